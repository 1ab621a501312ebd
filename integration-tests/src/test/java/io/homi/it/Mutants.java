package io.homi.it;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Util;
import shaded.parquet.org.apache.thrift.TBase;
import shaded.parquet.org.apache.thrift.TEnum;
import shaded.parquet.org.apache.thrift.TFieldIdEnum;
import shaded.parquet.org.apache.thrift.meta_data.EnumMetaData;
import shaded.parquet.org.apache.thrift.meta_data.FieldMetaData;

/**
 * Structure-aware mutations of a valid Parquet file, by family (issue 22's list): each knows the
 * file's footer, page headers, page bodies and index region, and edits one of them the way a
 * hostile or broken writer would. Deterministic for a given Random.
 */
final class Mutants {
  enum Family {
    TRUNCATE,
    FOOTER_INT,
    SCHEMA_LIE,
    LIST_COUNT,
    RAW_LENGTH,
    NESTING,
    MISSING_OR_CONFUSED,
    PAGE_HEADER,
    PAGE_BODY,
    INDEX_AND_STATS,
    BYTE_FLIP,
    GARBAGE_PAGES
  }

  /** One page of a seed: where its header and body lie. */
  record Page(int header, int headerLength, int body, int bodyLength) {}

  /** A seed file and its structure, found once. */
  static final class Seed {
    final String name;
    final byte[] bytes;
    final FileMetaData footer;
    final List<Page> pages = new ArrayList<>();
    final int dataEnd; // where the pages end: the index region (if any) or the footer begins

    Seed(String name, byte[] bytes) throws IOException {
      this.name = name;
      this.bytes = bytes;
      this.footer = Footers.footer(bytes);
      int end = 4;
      for (RowGroup rg : footer.getRow_groups()) {
        for (ColumnChunk cc : rg.getColumns()) {
          ColumnMetaData m = cc.getMeta_data();
          long start =
              m.isSetDictionary_page_offset() && m.getDictionary_page_offset() > 0
                  ? Math.min(m.getDictionary_page_offset(), m.getData_page_offset())
                  : m.getData_page_offset();
          long stop = start + m.getTotal_compressed_size();
          end = (int) Math.max(end, stop);
          for (long at = start; at < stop; ) {
            ByteArrayInputStream in = new ByteArrayInputStream(bytes, (int) at, (int) (stop - at));
            PageHeader h = Util.readPageHeader(in);
            int hl = (int) (stop - at) - in.available();
            pages.add(new Page((int) at, hl, (int) at + hl, h.getCompressed_page_size()));
            at += hl + h.getCompressed_page_size();
          }
        }
      }
      this.dataEnd = end;
    }
  }

  private Mutants() {}

  static byte[] mutate(Family f, Seed s, Random r) throws IOException {
    byte[] b = s.bytes.clone();
    switch (f) {
      case TRUNCATE -> {
        // Anywhere, but often near the end, where the footer and its length are.
        int cut =
            r.nextBoolean()
                ? r.nextInt(b.length)
                : b.length - 1 - r.nextInt(Math.min(b.length - 1, Footers.footerLength(b) + 8));
        return Arrays.copyOf(b, cut);
      }
      case FOOTER_INT -> {
        FileMetaData md = s.footer.deepCopy();
        mutateSlot(md, r, Kind.INTEGER);
        return Footers.withFooter(b, Footers.serialize(md));
      }
      case SCHEMA_LIE -> {
        FileMetaData md = s.footer.deepCopy();
        SchemaElement e = md.getSchema().get(r.nextInt(md.getSchemaSize()));
        mutateSlot(e, r, Kind.ANY);
        return Footers.withFooter(b, Footers.serialize(md));
      }
      case LIST_COUNT -> {
        FileMetaData md = s.footer.deepCopy();
        mutateSlot(md, r, Kind.LIST);
        return Footers.withFooter(b, Footers.serialize(md));
      }
      case RAW_LENGTH -> {
        return Footers.withFooter(b, rawLength(Footers.footerBytes(b), r));
      }
      case NESTING -> {
        // An unknown field (id 31) of nested structs before FileMetaData's final stop byte.
        byte[] footer = Footers.footerBytes(b);
        int depth = r.nextInt(4) == 0 ? 1 + r.nextInt(60) : 1 + r.nextInt(20_000);
        byte[] out = new byte[footer.length + 2 + depth + depth];
        System.arraycopy(footer, 0, out, 0, footer.length - 1);
        int p = footer.length - 1;
        out[p++] = 0x0C;
        out[p++] = 62; // zigzag(31)
        for (int i = 1; i < depth; i++) out[p++] = 0x1C;
        // stops: one per struct opened, then FileMetaData's own
        Arrays.fill(out, p, out.length, (byte) 0);
        return Footers.withFooter(b, out);
      }
      case MISSING_OR_CONFUSED -> {
        if (r.nextBoolean()) {
          FileMetaData md = s.footer.deepCopy();
          mutateSlot(md, r, Kind.UNSET);
          return Footers.withFooter(b, Footers.serialize(md));
        }
        // A field header's type nibble changed: the value is then read as another type.
        byte[] footer = Footers.footerBytes(b);
        int at = r.nextInt(footer.length);
        footer[at] = (byte) ((footer[at] & 0xf0) | (1 + r.nextInt(12)));
        return Footers.withFooter(b, footer);
      }
      case PAGE_HEADER -> {
        Page pg = s.pages.get(r.nextInt(s.pages.size()));
        PageHeader h = Footers.pageHeader(b, pg.header());
        mutateSlot(h, r, r.nextInt(3) == 0 ? Kind.ANY : Kind.INTEGER);
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        Util.writePageHeader(h, o);
        byte[] nh = o.toByteArray();
        if (nh.length == pg.headerLength()) {
          System.arraycopy(nh, 0, b, pg.header(), nh.length);
          return b;
        }
        // A header of another length shifts what follows: the footer's offsets then lie too.
        byte[] out = new byte[b.length - pg.headerLength() + nh.length];
        System.arraycopy(b, 0, out, 0, pg.header());
        System.arraycopy(nh, 0, out, pg.header(), nh.length);
        System.arraycopy(b, pg.body(), out, pg.header() + nh.length, b.length - pg.body());
        return out;
      }
      case PAGE_BODY -> {
        Page pg = s.pages.get(r.nextInt(s.pages.size()));
        if (pg.bodyLength() == 0) return b;
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
          int at =
              pg.body()
                  + (r.nextInt(3) == 0
                      ? r.nextInt(Math.min(8, pg.bodyLength()))
                      : r.nextInt(pg.bodyLength()));
          b[at] =
              switch (r.nextInt(4)) {
                case 0 -> (byte) 0xFF;
                case 1 -> 0;
                case 2 -> (byte) (b[at] ^ (1 << r.nextInt(8)));
                default -> (byte) r.nextInt();
              };
        }
        return b;
      }
      case INDEX_AND_STATS -> {
        int indexStart = s.dataEnd;
        int footerStart = Footers.footerStart(b);
        if (r.nextBoolean() && footerStart > indexStart) {
          for (int i = 0; i < 1 + r.nextInt(4); i++)
            b[indexStart + r.nextInt(footerStart - indexStart)] = (byte) r.nextInt();
          return b;
        }
        FileMetaData md = s.footer.deepCopy();
        RowGroup rg = md.getRow_groups().get(r.nextInt(md.getRow_groupsSize()));
        ColumnChunk cc = rg.getColumns().get(r.nextInt(rg.getColumnsSize()));
        if (r.nextBoolean() && cc.getMeta_data().isSetStatistics())
          mutateSlot(cc.getMeta_data().getStatistics(), r, Kind.ANY);
        else mutateSlot(cc, r, Kind.INTEGER);
        return Footers.withFooter(b, Footers.serialize(md));
      }
      case BYTE_FLIP -> {
        // Flips in one region, the pages or the footer: a mix could make Spark refuse for a
        // footer reason homi accepts (a MAP's repeated group renamed) while both read the same
        // flipped values, which no oracle here could tell from wrong rows.
        int footer = Footers.footerStart(b);
        boolean inFooter = r.nextBoolean();
        for (int i = 0; i < 1 + r.nextInt(8); i++) {
          int at = inFooter ? footer + r.nextInt(b.length - footer) : r.nextInt(footer);
          b[at] ^= (byte) (1 << r.nextInt(8));
        }
        return b;
      }
      case GARBAGE_PAGES -> {
        Page pg = s.pages.get(r.nextInt(s.pages.size()));
        int from = r.nextBoolean() ? pg.header() : pg.body();
        int len =
            Math.min(
                b.length - 8 - from,
                1 + r.nextInt(Math.max(1, pg.headerLength() + pg.bodyLength())));
        for (int i = 0; i < len; i++) b[from + i] = (byte) r.nextInt();
        return b;
      }
      default -> throw new IllegalArgumentException(f.toString());
    }
  }

  /** A declared list size or binary length in the footer's bytes set to a lie. */
  private static byte[] rawLength(byte[] footer, Random r) {
    List<Integer> candidates = new ArrayList<>();
    for (int i = 1; i + 1 < footer.length; i++) {
      int t = footer[i] & 0x0f;
      int hi = (footer[i] & 0xf0) >>> 4;
      if ((footer[i - 1] & 0x0f) == 9
          && hi >= 1
          && hi < 15
          && (t == 12 || t == 5 || t == 8 || t == 6)) candidates.add(i);
      if ((footer[i - 1] & 0x0f) == 8 && (footer[i] & 0x80) == 0)
        candidates.add(-i); // a short binary length
    }
    if (candidates.isEmpty()) return footer;
    int c = candidates.get(r.nextInt(candidates.size()));
    long[] sizes = {
      0, 1, 14, 127, 128, 65_535, 1L << 20, Integer.MAX_VALUE - 1, Integer.MAX_VALUE, 0xFFFFFFFFL
    };
    long size = sizes[r.nextInt(sizes.length)];
    byte[] varint = varint(size);
    int at = Math.abs(c);
    byte[] head;
    if (c > 0) {
      head = new byte[1 + varint.length];
      head[0] = (byte) (0xF0 | (footer[at] & 0x0f));
      System.arraycopy(varint, 0, head, 1, varint.length);
    } else {
      head = varint;
    }
    byte[] out = new byte[footer.length - 1 + head.length];
    System.arraycopy(footer, 0, out, 0, at);
    System.arraycopy(head, 0, out, at, head.length);
    System.arraycopy(footer, at + 1, out, at + head.length, footer.length - at - 1);
    return out;
  }

  private static byte[] varint(long v) {
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    while ((v & ~0x7FL) != 0) {
      o.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    o.write((int) v);
    return o.toByteArray();
  }

  enum Kind {
    INTEGER,
    LIST,
    UNSET,
    ANY
  }

  /** Thrift's TType codes (the class itself is not in parquet-format's shaded copy). */
  private static final class TType {
    static final byte BOOL = 2;
    static final byte I16 = 6;
    static final byte I32 = 8;
    static final byte I64 = 10;
    static final byte STRING = 11;
    static final byte LIST = 15;
    static final byte ENUM = 16;
  }

  private record Slot(TBase<?, ?> owner, TFieldIdEnum field, FieldMetaData meta) {}

  /** Changes one field of the structure under {@code root} (chosen among those of {@code kind}). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void mutateSlot(TBase<?, ?> root, Random r, Kind kind) {
    List<Slot> slots = new ArrayList<>();
    collect(root, slots);
    List<Slot> fit = new ArrayList<>();
    for (Slot s : slots) {
      byte t = s.meta().valueMetaData.type;
      boolean integer = t == TType.I16 || t == TType.I32 || t == TType.I64;
      boolean set = ((TBase) s.owner()).isSet(s.field());
      if (kind == Kind.INTEGER && integer && set) fit.add(s);
      else if (kind == Kind.LIST && t == TType.LIST && set) fit.add(s);
      else if (kind == Kind.UNSET && set) fit.add(s);
      else if (kind == Kind.ANY) fit.add(s);
    }
    if (fit.isEmpty()) return;
    Slot s = fit.get(r.nextInt(fit.size()));
    TBase owner = s.owner();
    byte t = s.meta().valueMetaData.type;
    if (kind == Kind.UNSET || (kind == Kind.ANY && r.nextInt(5) == 0)) {
      owner.setFieldValue(s.field(), null);
      return;
    }
    Object v = owner.getFieldValue(s.field());
    switch (t) {
      case TType.I16 -> owner.setFieldValue(s.field(), (short) lie(v == null ? 0 : ((Short) v), r));
      case TType.I32 -> owner.setFieldValue(s.field(), (int) lie(v == null ? 0 : ((Integer) v), r));
      case TType.I64 -> owner.setFieldValue(s.field(), lie(v == null ? 0 : ((Long) v), r));
      case TType.ENUM -> {
        TEnum[] values =
            (TEnum[]) ((EnumMetaData) s.meta().valueMetaData).enumClass.getEnumConstants();
        owner.setFieldValue(s.field(), values[r.nextInt(values.length)]);
      }
      case TType.LIST -> {
        if (v == null) return;
        List l = new ArrayList((List) v);
        switch (r.nextInt(3)) {
          case 0 -> {
            if (!l.isEmpty()) l.remove(r.nextInt(l.size()));
          }
          case 1 -> {
            if (!l.isEmpty()) l.add(r.nextInt(l.size() + 1), l.get(r.nextInt(l.size())));
          }
          default -> l.clear();
        }
        owner.setFieldValue(s.field(), l);
      }
      case TType.STRING -> {
        if (s.meta().valueMetaData.isBinary()) {
          byte[] x = new byte[r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(16)];
          r.nextBytes(x);
          owner.setFieldValue(s.field(), ByteBuffer.wrap(x));
        } else {
          owner.setFieldValue(s.field(), r.nextBoolean() ? "" : "x" + r.nextInt(4));
        }
      }
      case TType.BOOL -> owner.setFieldValue(s.field(), r.nextBoolean());
      default -> {} // structs: their fields are slots of their own
    }
  }

  private static long lie(long v, Random r) {
    long[] extremes = {
      0,
      -1,
      1,
      v + 1,
      v - 1,
      v * 2,
      v / 2,
      Integer.MAX_VALUE,
      Integer.MIN_VALUE,
      Long.MAX_VALUE,
      Long.MIN_VALUE,
      r.nextInt(1 << 20),
      1L << 31
    };
    return extremes[r.nextInt(extremes.length)];
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void collect(TBase<?, ?> t, List<Slot> out) {
    Map<? extends TFieldIdEnum, FieldMetaData> m =
        FieldMetaData.getStructMetaDataMap((Class) t.getClass());
    for (Map.Entry<? extends TFieldIdEnum, FieldMetaData> e : m.entrySet()) {
      out.add(new Slot(t, e.getKey(), e.getValue()));
      if (!((TBase) t).isSet(e.getKey())) continue;
      Object v = ((TBase) t).getFieldValue(e.getKey());
      if (v instanceof TBase<?, ?> c) collect(c, out);
      else if (v instanceof List<?> l)
        for (Object o : l) if (o instanceof TBase<?, ?> c) collect(c, out);
    }
  }

  static int le32(byte[] b, int at) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
  }
}
