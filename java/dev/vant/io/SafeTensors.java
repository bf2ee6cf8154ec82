package dev.vant.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors file format (Hugging Face): an 8-byte little-endian header length n, n bytes of JSON
 * header ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"key": "value"}}}, padded with spaces to a multiple of 8), then the raw little-endian
 * tensor bytes, offsets relative to the end of the header. Row-major (C order) element order.
 *
 * <p>Files are written atomically (a temporary file in the same directory, then a rename), so a crash
 * never leaves a half-written checkpoint under the final name. Reading checks every offset and size
 * against the file and fails naming the file (and the tensor).
 */
public final class SafeTensors {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Header size limit (the reference implementation uses 100 MB). */
  private static final long MAX_HEADER = 100L << 20;

  private SafeTensors() {}

  /** Element types vant reads and writes. */
  public enum DType {
    /** IEEE float32. */
    F32(4),
    /** Signed 64-bit integer. */
    I64(8);

    final int bytes;

    DType(int bytes) {
      this.bytes = bytes;
    }
  }

  /** One tensor: raw little-endian bytes in row-major order. */
  public record Entry(DType dtype, int[] shape, byte[] data) {
    /** Checks that the byte count fits shape and dtype. */
    public Entry {
      long n = numel(shape);
      if (n * dtype.bytes != data.length) {
        throw new IllegalArgumentException("safetensors entry " + Arrays.toString(shape) + " " + dtype + " needs " + n * dtype.bytes + " bytes, got " + data.length);
      }
    }

    /** A float32 tensor. */
    public static Entry f32(float[] values, int... shape) {
      ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(values);
      return new Entry(DType.F32, shape.clone(), b.array());
    }

    /** An int64 scalar (shape []). */
    public static Entry i64(long value) {
      ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      b.putLong(value);
      return new Entry(DType.I64, new int[0], b.array());
    }

    /** The values of an F32 tensor. */
    public float[] floats() {
      if (dtype != DType.F32) throw new IllegalStateException("not an F32 tensor: " + dtype);
      float[] out = new float[data.length / 4];
      ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
      return out;
    }

    /** The values of an I64 tensor. */
    public long[] longs() {
      if (dtype != DType.I64) throw new IllegalStateException("not an I64 tensor: " + dtype);
      long[] out = new long[data.length / 8];
      ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
      return out;
    }
  }

  /** A file's tensors (in file order) and metadata. */
  public record Contents(Map<String, Entry> tensors, Map<String, String> metadata) {}

  static long numel(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      n *= d;
    }
    return n;
  }

  /** Writes {@code tensors} (in map order) and {@code metadata} to {@code file}, atomically. */
  public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, Entry> e : tensors.entrySet()) {
      if (e.getKey().equals("__metadata__")) throw new IllegalArgumentException("tensor name __metadata__ is reserved");
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", e.getValue().dtype().name());
      ArrayNode shape = t.putArray("shape");
      for (int d : e.getValue().shape()) shape.add(d);
      ArrayNode off = t.putArray("data_offsets");
      off.add(offset);
      offset += e.getValue().data().length;
      off.add(offset);
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    byte[] head = Arrays.copyOf(json, padded);
    Arrays.fill(head, json.length, padded, (byte) ' ');

    AtomicFiles.write(file, out -> {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(head);
      for (Entry e : tensors.values()) out.write(e.data());
    });
  }

  /**
   * Reads a whole file.
   *
   * @throws IOException naming the file when it is truncated, malformed, or holds an unsupported dtype
   */
  public static Contents read(Path file) throws IOException {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException("safetensors file " + file + " does not exist", e);
    }
    if (all.length < 8) throw new IOException("safetensors file " + file + " is truncated: " + all.length + " bytes, not even the 8-byte header length");
    long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 2 || n > MAX_HEADER) throw new IOException("safetensors file " + file + " has a bad header length " + n + " (not a safetensors file?)");
    if (8 + n > all.length) {
      throw new IOException("safetensors file " + file + " is truncated: header of " + n + " bytes but only " + (all.length - 8) + " bytes follow the length");
    }
    JsonNode header;
    try {
      header = JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new IOException("safetensors file " + file + " has a malformed JSON header: " + e.getMessage(), e);
    }
    if (header == null || !header.isObject()) throw new IOException("safetensors file " + file + ": header is not a JSON object");
    long base = 8 + n;
    long dataLen = all.length - base;
    Map<String, Entry> tensors = new LinkedHashMap<>();
    Map<String, String> meta = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = header.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> f = it.next();
      String name = f.getKey();
      JsonNode v = f.getValue();
      if (name.equals("__metadata__")) {
        v.fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      String what = "safetensors file " + file + ", tensor '" + name + "'";
      DType dtype;
      try {
        dtype = DType.valueOf(v.path("dtype").asText());
      } catch (IllegalArgumentException e) {
        throw new IOException(what + ": unsupported dtype '" + v.path("dtype").asText() + "' (vant reads F32 and I64)");
      }
      JsonNode sh = v.path("shape"), off = v.path("data_offsets");
      if (!sh.isArray() || !off.isArray() || off.size() != 2) throw new IOException(what + ": missing shape or data_offsets");
      int[] shape = new int[sh.size()];
      for (int i = 0; i < shape.length; i++) shape[i] = sh.get(i).asInt();
      long begin = off.get(0).asLong(), end = off.get(1).asLong();
      long need = numel(shape) * dtype.bytes;
      if (begin < 0 || end < begin || end - begin != need) {
        throw new IOException(what + ": data_offsets [" + begin + ", " + end + "] do not fit shape " + Arrays.toString(shape) + " " + dtype);
      }
      if (end > dataLen) {
        throw new IOException("safetensors file " + file + " is truncated: tensor '" + name + "' ends at byte " + end
            + " of the data but the file holds only " + dataLen + " data bytes");
      }
      tensors.put(name, new Entry(dtype, shape, Arrays.copyOfRange(all, (int) (base + begin), (int) (base + end))));
    }
    return new Contents(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(meta));
  }
}
