package io.homi.runtime.parquet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.parquet.format.ColumnIndex;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.InterningProtocol;
import org.apache.parquet.format.OffsetIndex;
import org.apache.parquet.format.PageHeader;
import shaded.parquet.org.apache.thrift.TBase;
import shaded.parquet.org.apache.thrift.TConfiguration;
import shaded.parquet.org.apache.thrift.TException;
import shaded.parquet.org.apache.thrift.protocol.TCompactProtocol;
import shaded.parquet.org.apache.thrift.protocol.TList;
import shaded.parquet.org.apache.thrift.protocol.TMap;
import shaded.parquet.org.apache.thrift.protocol.TSet;
import shaded.parquet.org.apache.thrift.protocol.TStruct;
import shaded.parquet.org.apache.thrift.transport.TIOStreamTransport;

/**
 * The one place the runtime decodes Parquet's Thrift structures (footer, page headers, page
 * indexes), with bounds the generated code lacks. That code pre-sizes a list from its declared
 * count and skips unknown fields by unbounded recursion, so a few hostile bytes could ask for
 * gigabytes or overflow the stack. Here, before anything is allocated: a declared list, set or map
 * size and a binary length must fit in the bytes that remain (every element takes at least one byte
 * in the compact protocol); the sum of all declared sizes must fit in twice the input (each element
 * owns at least one byte of it, so a valid structure never comes near); and structs and containers
 * nest at most {@value #MAX_DEPTH} deep. Every failure is an IOException "can not read STRUCT: why
 * (at byte N of M)"; callers add the file and offset.
 */
public final class ThriftCodec {
  /** Deepest nesting of structs and containers; Parquet's own structures need under 10. */
  static final int MAX_DEPTH = 64;

  private ThriftCodec() {}

  /** The footer's FileMetaData from exactly {@code bytes}' remaining bytes. */
  public static FileMetaData fileMetaData(ByteBuffer bytes) throws IOException {
    return read(
        new ByteBufferInputStream(bytes.duplicate()), bytes.remaining(), new FileMetaData());
  }

  /** A page header from {@code in}, which holds at most {@code available} bytes for it. */
  public static PageHeader pageHeader(InputStream in, long available) throws IOException {
    return read(in, available, new PageHeader());
  }

  public static ColumnIndex columnIndex(ByteBuffer bytes) throws IOException {
    return read(new ByteBufferInputStream(bytes.duplicate()), bytes.remaining(), new ColumnIndex());
  }

  public static OffsetIndex offsetIndex(ByteBuffer bytes) throws IOException {
    return read(new ByteBufferInputStream(bytes.duplicate()), bytes.remaining(), new OffsetIndex());
  }

  private static <T extends TBase<?, ?>> T read(InputStream in, long available, T into)
      throws IOException {
    String what = into.getClass().getSimpleName();
    Counted counted = new Counted(in);
    try {
      int limit = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(0, available));
      TIOStreamTransport t =
          new TIOStreamTransport(new TConfiguration(limit + 8, limit + 8, MAX_DEPTH), counted);
      // Container sizes are checked below against what remains (a clearer bound than a fixed
      // limit).
      into.read(new BoundedProtocol(new TCompactProtocol(t, limit, -1), counted, limit));
      return into;
    } catch (TException | RuntimeException e) {
      throw new IOException(
          "can not read " + what + ": " + e.getMessage() + at(counted, available), e);
    } catch (StackOverflowError | OutOfMemoryError e) {
      // Not reachable through the bounds above; kept so that no Error escapes without the file.
      throw new IOException("can not read " + what + ": " + e + at(counted, available));
    }
  }

  private static String at(Counted c, long available) {
    return " (at byte " + c.consumed + " of " + available + ")";
  }

  /** Counts what the protocol consumed, so what remains is known without buffering. */
  private static final class Counted extends InputStream {
    private final InputStream in;
    long consumed;

    Counted(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) consumed++;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) consumed += n;
      return n;
    }
  }

  /** Compact protocol with the checks above, applied where the generated code calls in. */
  private static final class BoundedProtocol extends InterningProtocol {
    private final Counted in;
    private final long limit;
    private final long budget;
    private long declared;
    private int depth;

    BoundedProtocol(TCompactProtocol p, Counted in, long limit) {
      super(p);
      this.in = in;
      this.limit = limit;
      this.budget = 2 * limit + 64;
    }

    private void enter() throws TException {
      if (++depth > MAX_DEPTH)
        throw new TException("structures nested deeper than " + MAX_DEPTH + " levels");
    }

    private void declare(long n, int bytesPerElement, String kind) throws TException {
      long left = limit - in.consumed;
      if (n < 0 || n * bytesPerElement > left) {
        throw new TException(
            kind + " declares " + n + " elements but only " + left + " bytes remain");
      }
      declared += n;
      if (declared > budget) {
        throw new TException(
            "declares " + declared + " elements in all, more than " + limit + " bytes can hold");
      }
    }

    @Override
    public TStruct readStructBegin() throws TException {
      enter();
      return super.readStructBegin();
    }

    @Override
    public void readStructEnd() throws TException {
      super.readStructEnd();
      depth--;
    }

    @Override
    public TList readListBegin() throws TException {
      enter();
      TList l = super.readListBegin();
      declare(l.size, 1, "list");
      return l;
    }

    @Override
    public void readListEnd() throws TException {
      super.readListEnd();
      depth--;
    }

    @Override
    public TSet readSetBegin() throws TException {
      enter();
      TSet s = super.readSetBegin();
      declare(s.size, 1, "set");
      return s;
    }

    @Override
    public void readSetEnd() throws TException {
      super.readSetEnd();
      depth--;
    }

    @Override
    public TMap readMapBegin() throws TException {
      enter();
      TMap m = super.readMapBegin();
      declare(m.size, 2, "map");
      return m;
    }

    @Override
    public void readMapEnd() throws TException {
      super.readMapEnd();
      depth--;
    }

    /**
     * Binary (and string) values are read here, not by TCompactProtocol: its length check lets a
     * negative length through to a null buffer. The compact protocol stores them as a varint length
     * and the bytes; the transport does not buffer, so reading the stream directly is exact.
     */
    @Override
    public ByteBuffer readBinary() throws TException {
      int len = varint32();
      long left = limit - in.consumed;
      if (len < 0 || len > left)
        throw new TException(
            "binary value declares " + len + " bytes but only " + left + " remain");
      declared += len;
      if (declared > budget)
        throw new TException("declares more bytes in all than " + limit + " bytes can hold");
      try {
        byte[] b = in.readNBytes(len);
        if (b.length != len)
          throw new TException("input ends inside a binary value of " + len + " bytes");
        return ByteBuffer.wrap(b);
      } catch (IOException e) {
        throw new TException(e.getMessage(), e);
      }
    }

    @Override
    public String readString() throws TException {
      ByteBuffer b = readBinary();
      // Interned as InterningProtocol does: path_in_schema repeats the column names in every row
      // group.
      return new String(
              b.array(), b.position(), b.remaining(), java.nio.charset.StandardCharsets.UTF_8)
          .intern();
    }

    private int varint32() throws TException {
      int result = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        int b;
        try {
          b = in.read();
        } catch (IOException e) {
          throw new TException(e.getMessage(), e);
        }
        if (b < 0) throw new TException("input ends inside a length");
        result |= (b & 0x7f) << shift;
        if ((b & 0x80) == 0) return result;
      }
      throw new TException("a length varint longer than 5 bytes");
    }
  }
}
