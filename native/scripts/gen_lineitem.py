#!/usr/bin/env python3
"""Test data and the pyarrow baseline for `homi gpucheck decode`, run on the device machine.

  gen_lineitem.py DIR [--rows 20000000]   writes DIR/check/*.parquet (correctness: every type and
      encoding the GPU path decodes, nulls at several densities, tiny pages, several row groups,
      data page v1 and v2, snappy/none/gzip/zstd/lz4, DELTA_BINARY_PACKED (bit widths 0..64, wrap-around),
      DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT, decimals as INT32/INT64/FIXED_LEN_BYTE_ARRAY,
      timestamps incl. INT96, unsigned ints), DIR/types/*.parquet (decode GB/s per type and
      encoding) and DIR/lineitem_{snappy,none}.parquet (a TPC-H lineitem-like table, no decimals:
      the HOMI decoders map those to nothing yet).
  gen_lineitem.py DIR --no-lineitem ...  the same without the lineitem files.
  gen_lineitem.py DIR --no-check ...     without DIR/check (the libcudf anchor times types and lineitem only).
  gen_lineitem.py DIR --baseline [--reps 3]  times pyarrow pq.read_table (all cores) + a cupy copy of
      every Arrow buffer to the GPU, warm and cold (drop_caches), writes DIR/baseline.tsv.
"""
import os, sys, time
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

rng = np.random.default_rng(8)


def with_nulls(arr, density):
    if density == 0:
        return arr
    mask = pa.array(rng.random(len(arr)) < density)
    return pa.compute.if_else(mask, pa.scalar(None, arr.type), arr)


def strings(n, pool_size=5000, lo=0, hi=40):
    pool = pa.array(["".join(chr(97 + c) for c in rng.integers(0, 26, rng.integers(lo, hi))) + ("é" if i % 7 == 0 else "")
                     for i in range(pool_size)])
    return pool.take(pa.array(rng.integers(0, pool_size, n)))


def base_columns(n):
    return {
        "b": pa.array(rng.random(n) < 0.3),
        "i8": pa.array(rng.integers(-128, 128, n).astype(np.int8)),
        "i16": pa.array(rng.integers(-30000, 30000, n).astype(np.int16)),
        "i32": pa.array(rng.integers(-2**31, 2**31 - 1, n).astype(np.int32)),
        "i32lo": pa.array(rng.integers(0, 50, n).astype(np.int32)),
        "i64": pa.array(rng.integers(-2**62, 2**62, n)),
        "f": pa.array(rng.standard_normal(n).astype(np.float32)),
        "d": pa.array(rng.standard_normal(n)),
        "dlo": pa.array(rng.integers(0, 20, n) / 4.0),
        "dt": pa.array(rng.integers(0, 20000, n).astype(np.int32)).cast(pa.date32()),
        "s": strings(n),
        "bin": strings(n, 300, 0, 300).cast(pa.binary()),
        "long": strings(n, 50, 100, 2000),
    }


def write_check(d):
    os.makedirs(d, exist_ok=True)
    k = 0
    for n, density in [(1, 0.5), (7, 0.0), (1000, 0.0), (20000, 0.01), (20000, 0.5), (30001, 0.99), (5000, 1.0)]:
        cols = {name: with_nulls(a, density) for name, a in base_columns(n).items()}
        t = pa.table(cols)
        for comp, ver, dic, page, rg in [("snappy", "1.0", True, 1024 * 1024, None), ("none", "2.0", True, 700, 3333),
                                         ("snappy", "2.0", False, 333, 9000), ("none", "1.0", False, 4096, 7777),
                                         ("gzip", "1.0", True, 2000, 5000), ("snappy", "1.0", True, 100, 2500)]:
            name = f"{d}/c{k:02d}_n{n}_null{density}_{comp}_v{ver}_{'dict' if dic else 'plain'}_p{page}.parquet"
            pq.write_table(t, name, compression=comp, data_page_version=ver, use_dictionary=dic,
                           data_page_size=page, row_group_size=rg, write_statistics=False)
            if comp == "gzip":  # its twin for the CPU reference (the CPU decoder reads no GZIP)
                pq.write_table(t, name.replace("_gzip_", "_snappytwin_"), compression="snappy",
                               data_page_version=ver, use_dictionary=dic, data_page_size=page, row_group_size=rg,
                               write_statistics=False)
            k += 1
        # booleans RLE-encoded (data page v2 writers use it) and boolean/INT dictionaries
        try:
            pq.write_table(t.select(["b", "i32"]), f"{d}/c{k:02d}_n{n}_rlebool.parquet", data_page_version="2.0",
                           use_dictionary=False, column_encoding={"b": "RLE", "i32": "PLAIN"}, compression="none")
        except Exception as e:  # older pyarrow: no RLE booleans; the other files still cover booleans
            print("no RLE boolean file:", e)
        k += 1


I64_MIN, I64_MAX = -2**63, 2**63 - 1


def delta_columns(n):
    """INT32/INT64 columns for DELTA_BINARY_PACKED: bit widths 0..64 (constant, small steps, widths that change
    every 37 values, full-range and extreme values whose deltas wrap around mod 2^64 / 2^32), negative deltas."""
    i = np.arange(n, dtype=np.int64)
    bits = (i // 37) % 64
    steps = rng.integers(I64_MIN, I64_MAX, n, dtype=np.int64, endpoint=True) >> (63 - bits)
    ext64 = rng.integers(I64_MIN, I64_MAX, n, dtype=np.int64, endpoint=True)
    pick = rng.random(n)
    ext64[pick < 0.2] = I64_MIN
    ext64[(pick >= 0.2) & (pick < 0.4)] = I64_MAX
    ext32 = rng.integers(-2**31, 2**31 - 1, n, dtype=np.int64, endpoint=True).astype(np.int32)
    ext32[pick < 0.25] = -2**31
    ext32[(pick >= 0.25) & (pick < 0.5)] = 2**31 - 1
    with np.errstate(over="ignore"):
        mixed = np.cumsum(steps)  # wraps mod 2^64 like the encoder's deltas
    return {
        "dconst": pa.array(np.full(n, 42, dtype=np.int64)),
        "dsorted": pa.array(np.sort(rng.integers(1, max(2, n // 3), n))),
        "ddesc": pa.array((10**9 - 3 * i).astype(np.int32)),
        "dmixed": pa.array(mixed),
        "dext64": pa.array(ext64),
        "dext32": pa.array(ext32),
        "d8": pa.array(rng.integers(-128, 128, n).astype(np.int8)),
        "d16": pa.array(rng.integers(-2**15, 2**15, n).astype(np.int16)),
        "ddate": pa.array(rng.integers(-50000, 50000, n).astype(np.int32)).cast(pa.date32()),
        "dts_ms": pa.array(rng.integers(-2**40, 2**40, n)).cast(pa.timestamp("ms")),
        "dts_us": pa.array(rng.integers(-2**52, 2**52, n)).cast(pa.timestamp("us", tz="UTC")),
    }


def decimal(unscaled, precision, scale):
    """A Decimal128 array from unscaled int64 values (16-byte little-endian two's complement)."""
    words = np.empty((len(unscaled), 2), dtype=np.int64)
    words[:, 0] = unscaled
    words[:, 1] = unscaled >> 63
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(unscaled), [None, pa.py_buffer(words.tobytes())])


def decimal_wide(n, precision, scale):
    """Decimal128 values beyond 64 bits (high word random within the precision)."""
    bound = max(1, 10**precision // 2**64 // 2)
    words = np.empty((n, 2), dtype=np.int64)
    words[:, 0] = rng.integers(I64_MIN, I64_MAX, n, dtype=np.int64, endpoint=True)
    words[:, 1] = rng.integers(-bound, bound, n)
    return pa.Array.from_buffers(pa.decimal128(precision, scale), n, [None, pa.py_buffer(words.tobytes())])


def flba_decimal_columns(n):
    """Decimals as FIXED_LEN_BYTE_ARRAY (pyarrow's default): 4, 8, 9 and 16 bytes."""
    return {
        "fdec9": decimal(rng.integers(-10**9 + 1, 10**9, n), 9, 2),
        "fdec18": decimal(rng.integers(-10**18 + 1, 10**18, n), 18, 4),
        "fdec20": decimal_wide(n, 20, 2),
        "fdec38": decimal_wide(n, 38, 10),
    }


def decimal_columns(n):
    """Decimals (stored as INT32 / INT64 where pyarrow can), timestamps, unsigned ints: the kinds the GPU converts."""
    u = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    return {
        "dec9": decimal(rng.integers(-10**9 + 1, 10**9, n), 9, 2),
        "dec18": decimal(rng.integers(-10**18 + 1, 10**18, n), 18, 4),
        "ts_ms": pa.array(rng.integers(-2**40, 2**40, n)).cast(pa.timestamp("ms")),
        "ts_us": pa.array(rng.integers(-2**52, 2**52, n)).cast(pa.timestamp("us", tz="UTC")),
        "u8": pa.array(rng.integers(0, 256, n).astype(np.uint8)),
        "u16": pa.array(rng.integers(0, 2**16, n).astype(np.uint16)),
        "u32": pa.array(rng.integers(0, 2**32, n).astype(np.uint32)),
        "u64": pa.array(u + np.uint64(1)),
        "fbss": pa.array(rng.standard_normal(n).astype(np.float32)),
        "dbss": pa.array(rng.standard_normal(n)),
    }


def dba_columns(n):
    """Strings for DELTA_BYTE_ARRAY: sorted (long shared prefixes), repeated (prefix = the whole previous value),
    random with empty ones, and long values with a common 150-byte head (prefixes > 64 bytes)."""
    words = strings(n, min(20000, max(1, n // 3)), 0, 30)
    heads = pa.array(["h" * 150 + "".join(chr(97 + c) for c in rng.integers(0, 26, rng.integers(0, 300))) for _ in range(200)])
    return {
        "sorted": words.take(pa.compute.sort_indices(words)),
        "rep": strings(n, 3, 0, 12),
        "rnd": strings(n, 5000, 0, 40).cast(pa.binary()),
        "longp": heads.take(pa.array(rng.integers(0, 200, n))),
    }


def int96_columns(n):
    """Timestamps written as INT96 (use_deprecated_int96_timestamps): nanoseconds, before and after 1970."""
    ns = rng.integers(-2**62, 2**62, n)
    near = rng.integers(1_500_000_000 * 10**9, 1_800_000_000 * 10**9, n)
    return {"t96": pa.array(ns, pa.timestamp("ns")), "t96near": pa.array(near, pa.timestamp("ns", tz="UTC")),
            "t96lo": pa.array(rng.integers(0, 40, n) * 86_400 * 10**9 + 123_456_789, pa.timestamp("ns"))}


def write_pq(t, name, **kw):
    """Decimals as INT32/INT64 where this pyarrow can (store_decimal_as_integer); FIXED_LEN_BYTE_ARRAY otherwise."""
    try:
        pq.write_table(t, name, store_decimal_as_integer=True, write_statistics=False, **kw)
    except TypeError:
        pq.write_table(t, name, write_statistics=False, **kw)


def write_check_more(d):
    """DELTA_BINARY_PACKED, ZSTD / LZ4_RAW, decimals, timestamps, unsigned ints, BYTE_STREAM_SPLIT."""
    os.makedirs(d, exist_ok=True)
    k = 0
    for n, density in [(1, 0.5), (7, 0.0), (129, 0.0), (1000, 0.3), (20000, 0.01), (20000, 0.5), (30001, 0.99),
                       (5000, 1.0)]:
        dc = {name: with_nulls(a, density) for name, a in delta_columns(n).items()}
        t = pa.table(dc)
        enc = {c: "DELTA_BINARY_PACKED" for c in dc}
        for comp, ver, page, rg in [("none", "1.0", 333, None), ("snappy", "2.0", 4096, 7777), ("zstd", "1.0", 1 << 20, None),
                                    ("lz4", "2.0", 700, 3333), ("gzip", "1.0", 100, 2500)]:
            write_pq(t, f"{d}/m{k:02d}_delta_n{n}_null{density}_{comp}_v{ver}_p{page}.parquet", compression=comp,
                     data_page_version=ver, use_dictionary=False, column_encoding=enc, data_page_size=page,
                     row_group_size=rg)
            k += 1
        bc = {name: with_nulls(a, density) for name, a in base_columns(n).items()}
        bc.update({name: with_nulls(a, density) for name, a in decimal_columns(n).items()})
        t = pa.table(bc)
        for comp, ver, dic, page, rg in [("zstd", "1.0", True, 2000, 5000), ("lz4", "2.0", False, 333, 9000),
                                         ("zstd", "2.0", False, 4096, None), ("lz4", "1.0", True, 1 << 20, None)]:
            write_pq(t, f"{d}/m{k:02d}_types_n{n}_null{density}_{comp}_v{ver}_{'dict' if dic else 'plain'}_p{page}.parquet",
                     compression=comp, data_page_version=ver, use_dictionary=dic, data_page_size=page, row_group_size=rg)
            k += 1
        st = t.select(["s", "bin", "long"])
        for comp, ver, page in [("none", "1.0", 333), ("snappy", "2.0", 4096), ("zstd", "1.0", 1 << 20)]:
            write_pq(st, f"{d}/m{k:02d}_dlba_n{n}_null{density}_{comp}_v{ver}_p{page}.parquet", compression=comp,
                     data_page_version=ver, use_dictionary=False, data_page_size=page,
                     column_encoding={c: "DELTA_LENGTH_BYTE_ARRAY" for c in st.column_names})
            k += 1
        ft = pa.table({name: with_nulls(a, density) for name, a in flba_decimal_columns(n).items()})
        for comp, ver, dic, page in [("snappy", "1.0", True, 700), ("zstd", "2.0", False, 4096)]:
            pq.write_table(ft, f"{d}/m{k:02d}_flba_n{n}_null{density}_{comp}_v{ver}_{'dict' if dic else 'plain'}_p{page}.parquet",
                           compression=comp, data_page_version=ver, use_dictionary=dic, data_page_size=page,
                           write_statistics=False)
            k += 1
        try:
            pq.write_table(ft, f"{d}/m{k:02d}_flbabss_n{n}_null{density}_none.parquet", compression="none",
                           use_dictionary=False, column_encoding={c: "BYTE_STREAM_SPLIT" for c in ft.column_names},
                           write_statistics=False)
        except Exception as e:
            print("no BYTE_STREAM_SPLIT for FIXED_LEN_BYTE_ARRAY:", e)
        k += 1
        try:
            cols = ["fbss", "dbss", "i32", "i64", "dec9", "dec18"]
            write_pq(t.select(cols), f"{d}/m{k:02d}_bss_n{n}_null{density}_zstd.parquet", compression="zstd",
                     use_dictionary=False, column_encoding={c: "BYTE_STREAM_SPLIT" for c in cols}, data_page_size=1000)
        except Exception as e:  # older pyarrow: BYTE_STREAM_SPLIT for floats only
            write_pq(t.select(["fbss", "dbss"]), f"{d}/m{k:02d}_bss_n{n}_null{density}_zstd.parquet", compression="zstd",
                     use_dictionary=False, column_encoding={c: "BYTE_STREAM_SPLIT" for c in ["fbss", "dbss"]})
            print("BYTE_STREAM_SPLIT for floats only:", e)
        k += 1
        dt = pa.table({name: with_nulls(a, density) for name, a in dba_columns(n).items()})
        for comp, ver, page in [("none", "1.0", 333), ("snappy", "2.0", 4096), ("zstd", "1.0", 1 << 20), ("lz4", "2.0", 100)]:
            pq.write_table(dt, f"{d}/m{k:02d}_dba_n{n}_null{density}_{comp}_v{ver}_p{page}.parquet", compression=comp,
                           data_page_version=ver, use_dictionary=False, data_page_size=page, write_statistics=False,
                           column_encoding={c: "DELTA_BYTE_ARRAY" for c in dt.column_names})
            k += 1
        it = pa.table({name: with_nulls(a, density) for name, a in int96_columns(n).items()})
        for comp, ver, dic, page in [("none", "1.0", False, 333), ("snappy", "2.0", True, 4096), ("zstd", "1.0", True, 700)]:
            pq.write_table(it, f"{d}/m{k:02d}_int96_n{n}_null{density}_{comp}_v{ver}_{'dict' if dic else 'plain'}.parquet",
                           compression=comp, data_page_version=ver, use_dictionary=dic, data_page_size=page,
                           use_deprecated_int96_timestamps=True, write_statistics=False)
            k += 1


def write_types(d, n=10_000_000):
    os.makedirs(d, exist_ok=True)
    c = base_columns(n)
    c.update(delta_columns(n))
    c.update(decimal_columns(n))
    c.update(flba_decimal_columns(n))
    c.update(dba_columns(n))
    c.update(int96_columns(n))
    plan = [(col, enc, ["none", "snappy"]) for col, enc in [
        ("i32", "plain"), ("i32lo", "dict"), ("i64", "plain"), ("f", "plain"), ("d", "plain"), ("dlo", "dict"),
        ("dt", "dict"), ("b", "plain"), ("s", "plain"), ("s", "dict"), ("i8", "plain")]]
    plan += [("dsorted", "delta", ["none", "snappy"]), ("dext32", "delta", ["none"]), ("dmixed", "delta", ["none"]),
             ("dts_us", "delta", ["none"]), ("i64", "plain", ["zstd", "lz4", "gzip"]), ("dec18", "plain", ["none"]),
             ("dec9", "dict", ["none"]), ("ts_ms", "plain", ["none"]), ("dbss", "bss", ["none"]),
             ("fdec38", "flba", ["none"]), ("fdec9", "flba", ["none"]), ("s", "dlba", ["none", "zstd"]),
             ("sorted", "dba", ["none", "zstd"]), ("s", "dba", ["none"]), ("t96near", "int96", ["none"]),
             ("t96lo", "int96dict", ["none"])]
    for col, enc, comps in plan:
        t = pa.table({col: with_nulls(c[col], 0.1)})
        kw = {"use_dictionary": enc == "dict", "dictionary_pagesize_limit": 64 << 20}
        if enc == "delta":
            kw["column_encoding"] = {col: "DELTA_BINARY_PACKED"}
        if enc == "dlba":
            kw["column_encoding"] = {col: "DELTA_LENGTH_BYTE_ARRAY"}
        if enc == "bss":
            kw["column_encoding"] = {col: "BYTE_STREAM_SPLIT"}
        if enc == "dba":
            kw["column_encoding"] = {col: "DELTA_BYTE_ARRAY"}
        if enc.startswith("int96"):
            kw["use_deprecated_int96_timestamps"] = True
            kw["use_dictionary"] = enc == "int96dict"
        for comp in comps:
            if enc in ("flba", "dba") or enc.startswith("int96"):  # pyarrow's default decimal storage; plain write_table
                pq.write_table(t, f"{d}/{col}_{enc}_{comp}.parquet", compression=comp, write_statistics=False, **kw)
            else:
                write_pq(t, f"{d}/{col}_{enc}_{comp}.parquet", compression=comp, **kw)


def lineitem(n):
    orderkey = np.sort(rng.integers(1, n // 2, n))
    ship = rng.integers(8000, 10500, n).astype(np.int32)
    comments = strings(n, 200_000, 10, 44)
    return pa.table({
        "l_orderkey": pa.array(orderkey),
        "l_partkey": pa.array(rng.integers(1, n // 30, n)),
        "l_suppkey": pa.array(rng.integers(1, n // 600, n)),
        "l_linenumber": pa.array(rng.integers(1, 8, n).astype(np.int32)),
        "l_quantity": pa.array(rng.integers(1, 51, n).astype(np.float64)),
        "l_extendedprice": pa.array(np.round(rng.uniform(900, 105000, n), 2)),
        "l_discount": pa.array(rng.integers(0, 11, n) / 100.0),
        "l_tax": pa.array(rng.integers(0, 9, n) / 100.0),
        "l_returnflag": pa.array(np.array(["A", "N", "R"])[rng.integers(0, 3, n)]),
        "l_linestatus": pa.array(np.array(["F", "O"])[rng.integers(0, 2, n)]),
        "l_shipdate": pa.array(ship).cast(pa.date32()),
        "l_commitdate": pa.array(ship + rng.integers(-60, 60, n).astype(np.int32)).cast(pa.date32()),
        "l_receiptdate": pa.array(ship + rng.integers(1, 30, n).astype(np.int32)).cast(pa.date32()),
        "l_shipinstruct": pa.array(np.array(["DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"])[rng.integers(0, 4, n)]),
        "l_shipmode": pa.array(np.array(["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"])[rng.integers(0, 7, n)]),
        "l_comment": comments,
    })


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def baseline(d, reps):
    import cupy as cp
    rows = []
    for name in ["lineitem_snappy", "lineitem_none"]:
        path = f"{d}/{name}.parquet"
        for mode in ["warm", "cold"]:
            best = None
            for r in range(reps):
                if mode == "cold":
                    drop_caches()
                else:
                    pq.read_table(path)  # warm the page cache
                t0 = time.perf_counter()
                t = pq.read_table(path, use_threads=True)
                t1 = time.perf_counter()
                dev = []
                seen = set()  # chunks of one column may share (slices of) one buffer: copy it once
                for col in t.columns:
                    for chunk in col.chunks:
                        for b in chunk.buffers():
                            if b is not None and b.size > 0 and b.address not in seen:
                                seen.add(b.address)
                                dev.append(cp.asarray(np.frombuffer(b, dtype=np.uint8)))
                cp.cuda.runtime.deviceSynchronize()
                t2 = time.perf_counter()
                if best is None or t2 - t0 < best[0]:
                    best = (t2 - t0, t1 - t0, t2 - t1, sum(x.nbytes for x in dev))
                del dev, t
            rows.append((name, mode, *best))
            print(f"pyarrow {name} {mode}: {best[0]:.3f}s (read_table {best[1]:.3f}s + cupy copy {best[2]:.3f}s, {best[3]} Arrow bytes)", flush=True)
    with open(f"{d}/baseline.tsv", "w") as f:
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")


if __name__ == "__main__":
    d = sys.argv[1]
    args = sys.argv[2:]
    if "--baseline" in args:
        baseline(d, int(args[args.index("--reps") + 1]) if "--reps" in args else 3)
        sys.exit(0)
    n = int(args[args.index("--rows") + 1]) if "--rows" in args else 20_000_000
    t0 = time.time()
    if "--no-check" not in args:
        write_check(f"{d}/check")
        write_check_more(f"{d}/check")
    write_types(f"{d}/types", int(args[args.index("--type-rows") + 1]) if "--type-rows" in args else 10_000_000)
    if "--no-lineitem" not in args:
        t = lineitem(n)
        for comp in ["snappy", "none"]:
            pq.write_table(t, f"{d}/lineitem_{comp}.parquet", compression=comp, row_group_size=1 << 20)
    print(f"generated in {time.time() - t0:.0f}s:", {f: os.path.getsize(f"{d}/{f}") for f in os.listdir(d) if f.endswith(".parquet")}, flush=True)
