package dev.vant.eval;

import dev.vant.io.AtomicFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * robustness.json and robustness.csv: what {@code vant eval} writes and {@code vant compare} reads.
 * Both are written atomically ({@link AtomicFiles}).
 *
 * <p>robustness.json:
 * <pre>
 * { "label": "vant", "repeats": 5,
 *   "sigmas": [0, 0.1, ...], "accuracy_mean": [...], "accuracy_std": [...],
 *   "clean": 0.91, "auc": 2.1, "nauc": 0.77,          // nauc null when the grid has no sigma 0
 *   "rauc": 0.95, "reference": "matched",             // both null without a reference
 *   "meta": { ... caller's fields: checkpoint, model, seed ... } }
 * </pre>
 * robustness.csv: header {@code sigma,accuracy_mean,accuracy_std,repeats,auc,nauc,rauc}, one row per
 * sigma; the summary columns repeat on every row (empty when undefined) so that any CSV reader works.
 */
public final class RobustnessFiles {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RobustnessFiles() {}

  /** nAUC, or null when it is undefined for this curve (no sigma 0, clean accuracy 0). */
  public static Double naucOrNull(RobustnessCurve c) {
    try {
      return c.nauc();
    } catch (IllegalStateException e) {
      return null;
    }
  }

  /**
   * Writes robustness.json.
   *
   * @param reference curve for rAUC, or null
   * @param meta extra fields stored under "meta" (Jackson-serializable values), or null
   */
  public static void writeJson(Path file, RobustnessCurve curve, RobustnessCurve reference, Map<String, ?> meta)
      throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("label", curve.label());
    o.put("repeats", curve.repeats());
    array(o.putArray("sigmas"), curve.sigmas());
    array(o.putArray("accuracy_mean"), curve.mean());
    array(o.putArray("accuracy_std"), curve.std());
    if (curve.sigmas()[0] == 0) o.put("clean", curve.clean()); else o.putNull("clean");
    o.put("auc", curve.auc());
    Double nauc = naucOrNull(curve);
    if (nauc != null) o.put("nauc", nauc); else o.putNull("nauc");
    if (reference != null) {
      o.put("rauc", curve.rauc(reference));
      o.put("reference", reference.label());
    } else {
      o.putNull("rauc");
      o.putNull("reference");
    }
    o.set("meta", meta == null ? JSON.createObjectNode() : JSON.valueToTree(meta));
    AtomicFiles.write(file, JSON.writeValueAsBytes(o));
  }

  /** Writes robustness.csv (see the class comment); {@code reference} may be null. */
  public static void writeCsv(Path file, RobustnessCurve curve, RobustnessCurve reference) throws IOException {
    Double nauc = naucOrNull(curve);
    Double rauc = reference == null ? null : curve.rauc(reference);
    StringBuilder sb = new StringBuilder("sigma,accuracy_mean,accuracy_std,repeats,auc,nauc,rauc\n");
    for (int i = 0; i < curve.sigmas().length; i++) {
      sb.append(num(curve.sigmas()[i])).append(',').append(num(curve.mean()[i])).append(',')
          .append(num(curve.std()[i])).append(',').append(curve.repeats()).append(',')
          .append(num(curve.auc())).append(',').append(nauc == null ? "" : num(nauc)).append(',')
          .append(rauc == null ? "" : num(rauc)).append('\n');
    }
    AtomicFiles.writeString(file, sb.toString());
  }

  /**
   * Reads the curve of a robustness.json (for {@code vant compare} and {@code --reference}). A folder is
   * taken to mean its robustness.json.
   *
   * @throws IOException naming the file when it is missing or lacks a field
   */
  public static RobustnessCurve readJson(Path file) throws IOException {
    Path f = Files.isDirectory(file) ? file.resolve("robustness.json") : file;
    if (!Files.isRegularFile(f)) throw new NoSuchFileException(f.toString(), null, "no robustness.json here");
    JsonNode o;
    try {
      o = JSON.readTree(f.toFile());
    } catch (IOException e) {
      throw new IOException(f + ": not valid JSON: " + e.getMessage(), e);
    }
    try {
      return new RobustnessCurve(text(o, "label", f), doubles(o, "sigmas", f), doubles(o, "accuracy_mean", f),
          doubles(o, "accuracy_std", f), need(o, "repeats", f).asInt());
    } catch (IllegalArgumentException e) {
      throw new IOException(f + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode need(JsonNode o, String key, Path f) throws IOException {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) throw new IOException(f + ": missing field '" + key + "' (expected a robustness.json written by vant eval)");
    return v;
  }

  private static String text(JsonNode o, String key, Path f) throws IOException {
    return need(o, key, f).asText();
  }

  private static double[] doubles(JsonNode o, String key, Path f) throws IOException {
    JsonNode a = need(o, key, f);
    if (!a.isArray()) throw new IOException(f + ": field '" + key + "' must be an array of numbers");
    double[] d = new double[a.size()];
    for (int i = 0; i < d.length; i++) {
      if (!a.get(i).isNumber()) throw new IOException(f + ": field '" + key + "'[" + i + "] is not a number");
      d[i] = a.get(i).asDouble();
    }
    return d;
  }

  private static void array(ArrayNode a, double[] v) {
    for (double d : v) a.add(d);
  }

  static String num(double d) {
    return String.format(Locale.ROOT, "%.6g", d).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replaceAll("\\.(e|$)", "$1");
  }
}
