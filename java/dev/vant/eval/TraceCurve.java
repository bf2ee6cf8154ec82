package dev.vant.eval;

import dev.vant.io.AtomicFiles;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Accuracy over deployment time under a fluctuating inference-noise trace
 * ({@link dev.vant.noise.InferenceTrace}): for each evaluated batch t, the mean level the batch saw and
 * its accuracy, averaged over K repeats (noise seeds).
 *
 * @param spec the trace spec
 * @param sigma mean level of batch t (over its samples and the repeats)
 * @param mean mean accuracy of batch t over the repeats
 * @param std sample std of the accuracy of batch t over the repeats (0 for K = 1)
 * @param repeats K
 */
public record TraceCurve(String spec, double[] sigma, double[] mean, double[] std, int repeats) {

  /** Validates that the arrays have one entry per batch. */
  public TraceCurve {
    if (sigma.length != mean.length || std.length != mean.length || mean.length == 0) {
      throw new IllegalArgumentException("trace curve '" + spec + "': sigma/mean/std lengths " + sigma.length + "/"
          + mean.length + "/" + std.length + " must be equal and > 0");
    }
  }

  /**
   * From raw results: {@code sigma[k][t]} mean level and {@code accuracy[k][t]} accuracy of batch t in
   * repeat k.
   */
  public static TraceCurve of(String spec, double[][] sigma, double[][] accuracy) {
    int k = accuracy.length;
    if (k == 0 || sigma.length != k) throw new IllegalArgumentException("trace curve '" + spec + "': need >= 1 repeat with sigma and accuracy");
    int t = accuracy[0].length;
    double[] s = new double[t], m = new double[t], sd = new double[t];
    for (int j = 0; j < t; j++) {
      double[] col = new double[k];
      for (int r = 0; r < k; r++) {
        if (accuracy[r].length != t || sigma[r].length != t) {
          throw new IllegalArgumentException("trace curve '" + spec + "': repeat " + r + " has a different number of batches");
        }
        col[r] = accuracy[r][j];
        s[j] += sigma[r][j] / k;
      }
      RobustnessCurve one = RobustnessCurve.of("t", new double[] {0}, new double[][] {col});
      m[j] = one.mean()[0];
      sd[j] = one.std()[0];
    }
    return new TraceCurve(spec, s, m, sd, k);
  }

  /** Mean accuracy over all batches (batches weigh equally). */
  public double overall() {
    double a = 0;
    for (double v : mean) a += v;
    return a / mean.length;
  }

  /** Writes trace.json ({spec, repeats, overall, t, sigma, accuracy_mean, accuracy_std, meta}). */
  public void writeJson(Path file, Map<String, ?> meta) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode o = json.createObjectNode();
    o.put("spec", spec);
    o.put("repeats", repeats);
    o.put("overall", overall());
    var t = o.putArray("t");
    for (int i = 0; i < mean.length; i++) t.add(i);
    var s = o.putArray("sigma");
    for (double v : sigma) s.add(v);
    var m = o.putArray("accuracy_mean");
    for (double v : mean) m.add(v);
    var d = o.putArray("accuracy_std");
    for (double v : std) d.add(v);
    o.set("meta", meta == null ? json.createObjectNode() : json.valueToTree(meta));
    AtomicFiles.write(file, json.writeValueAsBytes(o));
  }

  /** Writes trace.csv: {@code t,sigma,accuracy_mean,accuracy_std}. */
  public void writeCsv(Path file) throws IOException {
    StringBuilder sb = new StringBuilder("t,sigma,accuracy_mean,accuracy_std\n");
    for (int i = 0; i < mean.length; i++) {
      sb.append(i).append(',').append(RobustnessFiles.num(sigma[i])).append(',').append(RobustnessFiles.num(mean[i]))
          .append(',').append(RobustnessFiles.num(std[i])).append('\n');
    }
    AtomicFiles.writeString(file, sb.toString());
  }
}
