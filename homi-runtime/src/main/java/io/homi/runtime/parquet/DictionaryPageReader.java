package io.homi.runtime.parquet;

import io.homi.runtime.io.ByteRange;
import io.homi.runtime.io.RangeFetch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageEncodingStats;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;

/**
 * A column chunk's dictionary page on its own, for dictionary pruning: read through the runtime (so
 * its bytes count per I/O path like any other), decompressed and decoded by the decoder's own
 * {@link Dictionary}, and handed out as each entry's PLAIN bytes (a byte array without its length
 * prefix).
 */
final class DictionaryPageReader {
  private DictionaryPageReader() {}

  /**
   * Whether every data page of the chunk is dictionary-encoded, so that its dictionary lists every
   * non-null value. From the chunk's encoding_stats when it has them; without them only a Parquet
   * 1.0 chunk (PLAIN_DICTIONARY, and otherwise just level encodings) is known to be, since an
   * RLE_DICTIONARY chunk may have fallen back to PLAIN part way through.
   */
  static boolean onlyDictionaryDataPages(ColumnMetaData md) {
    if (!md.isSetDictionary_page_offset()
        || md.getDictionary_page_offset() <= 0
        || md.getDictionary_page_offset() >= md.getData_page_offset()) {
      return false; // no dictionary page where it can be found without reading page headers
    }
    if (md.isSetEncoding_stats()) {
      boolean dictionaryPage = false;
      for (PageEncodingStats s : md.getEncoding_stats()) {
        if (s.getCount() <= 0) continue;
        if (s.getPage_type() == PageType.DICTIONARY_PAGE) {
          dictionaryPage = true;
        } else if (s.getPage_type() == PageType.DATA_PAGE
            || s.getPage_type() == PageType.DATA_PAGE_V2) {
          if (s.getEncoding() != Encoding.PLAIN_DICTIONARY
              && s.getEncoding() != Encoding.RLE_DICTIONARY) return false;
        }
      }
      return dictionaryPage;
    }
    if (md.getEncodings() == null) return false;
    Set<Encoding> rest = EnumSet.noneOf(Encoding.class);
    rest.addAll(md.getEncodings());
    if (!rest.remove(Encoding.PLAIN_DICTIONARY)) return false;
    rest.remove(Encoding.RLE);
    rest.remove(Encoding.BIT_PACKED);
    return rest.isEmpty();
  }

  /**
   * The PLAIN bytes of every entry of row group {@code rg}'s dictionary for {@code col}, or null
   * when the chunk is not known to be dictionary-only (see {@link #onlyDictionaryDataPages}).
   */
  static List<byte[]> read(ParquetFileReader f, int rg, ColumnDescriptor col) throws IOException {
    String file = f.path();
    ColumnMetaData md =
        f.metadata().getRow_groups().get(rg).getColumns().get(col.index()).getMeta_data();
    if (md == null || !onlyDictionaryDataPages(md)) return null;
    ByteRange chunk = ChunkBounds.range(file, rg, col.name(), md, f.identity().size());
    long start = md.getDictionary_page_offset();
    long len = md.getData_page_offset() - start;
    String context = file + " (column '" + col.name() + "', row group " + rg + ")";
    if (start < chunk.offset()
        || len <= 0
        || start + len > chunk.end()
        || len > f.config().maxPageBytes()) {
      throw new CorruptParquetException(
          context,
          "dictionary page at " + start + " of " + len + " bytes lies outside its column chunk");
    }
    try (RangeFetch fetch =
        RangeFetch.read(
            f.client(),
            f.runtime().buffers(),
            f.namespace(),
            List.of(new ByteRange(start, len)),
            0)) {
      String changed = f.namespace().checkUnchanged();
      if (changed != null)
        throw new HomiParquetException("file changed during the scan: " + file + ": " + changed);
      ByteBuffer bytes = fetch.view(start, (int) len);
      PageWalker.Page p = new PageWalker(bytes, start, context).next();
      PageHeader h = p.header();
      if (h.getType() != PageType.DICTIONARY_PAGE || !h.isSetDictionary_page_header()) {
        throw new CorruptParquetException(
            context, "page at dictionary_page_offset " + start + " is a " + h.getType());
      }
      int body = p.bodyOffset();
      int size = p.size();
      Encoding enc = h.getDictionary_page_header().getEncoding();
      if (enc != Encoding.PLAIN && enc != Encoding.PLAIN_DICTIONARY)
        return null; // the decoder refuses it later
      PageDecompressor d = new PageDecompressor(md.getCodec(), f.config().maxPageBytes(), file);
      ByteBuffer page =
          d.decompress(bytes.slice(body, size), h.getUncompressed_page_size(), col.name());
      Dictionary dict =
          Dictionary.decode(page, h.getDictionary_page_header().getNum_values(), col, context);
      return entries(dict);
    }
  }

  private static List<byte[]> entries(Dictionary d) {
    List<byte[]> out = new ArrayList<>(d.size());
    for (int i = 0; i < d.size(); i++) {
      byte[] b;
      if (d.width() < 0) {
        b = new byte[d.offset(i + 1) - d.offset(i)];
        d.bytes().get(d.offset(i), b);
      } else {
        b = new byte[d.width()];
        d.fixedData().get(d.width() * i, b);
      }
      out.add(b);
    }
    return out;
  }
}
