#!/usr/bin/env python3
"""Test data and the pyarrow baseline for `homi gpucheck decode`, run on the device machine.

  gen_lineitem.py DIR [--rows 20000000]   writes DIR/check/*.parquet (correctness: every type and
      encoding the GPU path decodes, nulls at several densities, tiny pages, several row groups,
      data page v1 and v2, snappy/none/gzip), DIR/types/*.parquet (decode GB/s per type and
      encoding) and DIR/lineitem_{snappy,none}.parquet (a TPC-H lineitem-like table, no decimals:
      the HOMI decoders map those to nothing yet).
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


def write_types(d, n=10_000_000):
    os.makedirs(d, exist_ok=True)
    c = base_columns(n)
    for col, enc in [("i32", "plain"), ("i32lo", "dict"), ("i64", "plain"), ("f", "plain"), ("d", "plain"),
                     ("dlo", "dict"), ("dt", "dict"), ("b", "plain"), ("s", "plain"), ("s", "dict"), ("i8", "plain")]:
        t = pa.table({col: with_nulls(c[col], 0.1)})
        for comp in ["none", "snappy"]:
            pq.write_table(t, f"{d}/{col}_{enc}_{comp}.parquet", compression=comp, use_dictionary=(enc == "dict"),
                           dictionary_pagesize_limit=64 << 20, write_statistics=False)


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
    write_check(f"{d}/check")
    write_types(f"{d}/types", int(args[args.index("--type-rows") + 1]) if "--type-rows" in args else 10_000_000)
    t = lineitem(n)
    for comp in ["snappy", "none"]:
        pq.write_table(t, f"{d}/lineitem_{comp}.parquet", compression=comp, row_group_size=1 << 20)
    print(f"generated in {time.time() - t0:.0f}s:", {f: os.path.getsize(f"{d}/{f}") for f in os.listdir(d) if f.endswith(".parquet")}, flush=True)
