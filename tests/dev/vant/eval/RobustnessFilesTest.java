package dev.vant.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RobustnessFilesTest {
  @TempDir Path dir;

  static final double[] S = {0, 0.5, 1.0};
  static final RobustnessCurve VANT = RobustnessCurve.of("vant", S, new double[][] {{0.9, 0.92}, {0.8, 0.84}, {0.5, 0.6}});
  static final RobustnessCurve NT = RobustnessCurve.of("nt", S, new double[][] {{0.92, 0.92}, {0.6, 0.64}, {0.2, 0.3}});

  @Test
  void jsonRoundTripWithSummaries() throws IOException {
    Path f = dir.resolve("run/robustness.json");
    RobustnessFiles.writeJson(f, VANT, NT, Map.of("model", "resnet20", "seed", 3));
    assertEquals(VANT, RobustnessFiles.readJson(f));
    assertEquals(VANT, RobustnessFiles.readJson(f.getParent()), "a run folder means its robustness.json");
    String text = Files.readString(f);
    assertTrue(text.contains("\"nauc\" : " + VANT.nauc()), text);
    assertTrue(text.contains("\"rauc\" : " + VANT.rauc(NT)), text);
    assertTrue(text.contains("\"reference\" : \"nt\""), text);
    assertTrue(text.contains("\"model\" : \"resnet20\""), text);
    try (Stream<Path> s = Files.list(f.getParent())) {
      assertEquals(List.of(f), s.toList(), "no temp files left behind");
    }
  }

  @Test
  void jsonWithoutReferenceOrCleanPoint() throws IOException {
    RobustnessCurve noClean = RobustnessCurve.of("x", new double[] {0.5, 1}, new double[][] {{0.5}, {0.4}});
    Path f = dir.resolve("r.json");
    RobustnessFiles.writeJson(f, noClean, null, null);
    String text = Files.readString(f);
    assertTrue(text.contains("\"nauc\" : null") && text.contains("\"rauc\" : null"), text);
    assertEquals(noClean, RobustnessFiles.readJson(f));
  }

  @Test
  void csvHasOneRowPerSigma() throws IOException {
    Path f = dir.resolve("robustness.csv");
    Files.writeString(f, "old contents");
    RobustnessFiles.writeCsv(f, VANT, NT);
    List<String> lines = Files.readAllLines(f);
    assertEquals("sigma,accuracy_mean,accuracy_std,repeats,auc,nauc,rauc", lines.get(0));
    assertEquals(4, lines.size());
    String[] row = lines.get(3).split(",");
    assertEquals(1.0, Double.parseDouble(row[0]));
    assertEquals(0.55, Double.parseDouble(row[1]), 1e-9);
    assertEquals(VANT.std()[2], Double.parseDouble(row[2]), 1e-6);
    assertEquals("2", row[3]);
    assertEquals(VANT.auc(), Double.parseDouble(row[4]), 1e-5);
    assertEquals(VANT.nauc(), Double.parseDouble(row[5]), 1e-5);
    assertEquals(VANT.rauc(NT), Double.parseDouble(row[6]), 1e-5);
    RobustnessFiles.writeCsv(f, VANT, null);
    assertTrue(Files.readAllLines(f).get(1).endsWith(","), "empty rauc without a reference");
  }

  @Test
  void readingABadFileNamesIt() throws IOException {
    Path f = dir.resolve("robustness.json");
    Files.writeString(f, "{\"label\": \"x\", \"sigmas\": [0, 1]}");
    IOException e = assertThrows(IOException.class, () -> RobustnessFiles.readJson(f));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("accuracy_mean"), e.getMessage());
    Files.writeString(f, "{not json");
    e = assertThrows(IOException.class, () -> RobustnessFiles.readJson(f));
    assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    assertThrows(IOException.class, () -> RobustnessFiles.readJson(dir.resolve("missing")));
  }

  @Test
  void plotsArePngsWithTheCurvesDrawn() throws IOException {
    Path one = dir.resolve("robustness.png");
    RobustnessPlots.curve(VANT, one, null);
    BufferedImage img = ImageIO.read(one.toFile());
    assertEquals(800, img.getWidth());
    assertEquals(560, img.getHeight());
    assertTrue(count(img, 0x1f77b4) > 200, "the curve's blue line is drawn");
    assertTrue(countNear(img, 0x1f77b4) > count(img, 0x1f77b4), "and its translucent band");

    Path cmp = dir.resolve("compare.png");
    RobustnessCurve other = new RobustnessCurve("vant", S, new double[] {0.3, 0.3, 0.3}, new double[3], 1);
    RobustnessPlots.compare(List.of(NT, VANT, other), cmp, "NT vs VANT (same label twice)");
    BufferedImage c = ImageIO.read(cmp.toFile());
    assertTrue(count(c, 0x1f77b4) > 200 && count(c, 0xd62728) > 200 && count(c, 0x2ca02c) > 200, "three colors");

    Path tr = dir.resolve("trace.png");
    RobustnessPlots.trace(TraceCurve.of("drift:0.5,0.1", new double[][] {{0.5, 0.6, 0.7}}, new double[][] {{0.9, 0.8, 0.6}}), tr);
    assertNotNull(ImageIO.read(tr.toFile()));
    assertThrows(IllegalArgumentException.class, () -> RobustnessPlots.compare(List.of(), cmp, null));
  }

  /** The first GPU host's runtime lacked libharfbuzz.so.0: the Java font library's link error becomes a named IOException. */
  @Test
  void aRuntimeThatCannotDrawNamesThePlot() {
    Path png = dir.resolve("robustness.png");
    for (Throwable cause : List.of(new UnsatisfiedLinkError("libfontmanager.so: libharfbuzz.so.0: cannot open shared object file"),
        new NoClassDefFoundError("Could not initialize class sun.font.SunFontManager"), new java.awt.AWTError("no toolkit"),
        new InternalError("no fonts"))) {
      RobustnessPlots.UnavailableException e = assertThrows(RobustnessPlots.UnavailableException.class,
          () -> RobustnessPlots.guarded(png, () -> { throw sneaky(cause); }));
      assertTrue(e.getMessage().startsWith(png + " not drawn") && e.getMessage().contains(cause.getMessage()), e.getMessage());
      assertSame(cause, e.getCause());
    }
    // Other failures are not hidden behind it.
    assertThrows(IllegalStateException.class, () -> RobustnessPlots.guarded(png, () -> { throw new IllegalStateException("bug"); }));
  }

  private static RuntimeException sneaky(Throwable t) {
    if (t instanceof Error e) throw e;
    return new RuntimeException(t);
  }

  @Test
  void traceCurveWriters() throws IOException {
    TraceCurve t = TraceCurve.of("normal:1,0.2", new double[][] {{1.0, 1.2}, {0.8, 1.0}}, new double[][] {{0.5, 0.7}, {0.7, 0.7}});
    assertArrayEquals(new double[] {0.9, 1.1}, t.sigma(), 1e-12);
    assertArrayEquals(new double[] {0.6, 0.7}, t.mean(), 1e-12);
    assertEquals(Math.sqrt(0.02), t.std()[0], 1e-12);
    assertEquals(0.65, t.overall(), 1e-12);
    t.writeCsv(dir.resolve("trace.csv"));
    assertEquals(List.of("t,sigma,accuracy_mean,accuracy_std", "0,0.9,0.6,0.141421", "1,1.1,0.7,0"),
        Files.readAllLines(dir.resolve("trace.csv")));
    t.writeJson(dir.resolve("trace.json"), Map.of("k", 1));
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("trace.json").toFile());
    assertEquals(0.65, json.get("overall").asDouble(), 1e-12);
    assertEquals(2, json.get("accuracy_mean").size());
    assertEquals(1, json.get("meta").get("k").asInt());
  }

  private static int count(BufferedImage img, int rgb) {
    int n = 0;
    for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xFFFFFF) == rgb) n++;
    return n;
  }

  /** Pixels tinted toward the color (the band: the color blended over white). */
  private static int countNear(BufferedImage img, int rgb) {
    int n = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int p = img.getRGB(x, y);
        int r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
        if (b > r + 20 && b > 150 && (p & 0xFFFFFF) != rgb) n++;
      }
    }
    return n + count(img, rgb);
  }
}
