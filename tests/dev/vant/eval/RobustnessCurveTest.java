package dev.vant.eval;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RobustnessCurveTest {
  static RobustnessCurve c(String label, double[] s, double... m) {
    return new RobustnessCurve(label, s, m, new double[m.length], 1);
  }

  @Test
  void aucAndNaucByHand() {
    RobustnessCurve c = c("a", new double[] {0, 1, 2}, 0.9, 0.6, 0.3);
    // (0.9 + 0.6) / 2 + (0.6 + 0.3) / 2 = 1.2 ; nAUC = 1.2 / (0.9 * 2)
    assertEquals(1.2, c.auc(), 1e-12);
    assertEquals(1.2 / 1.8, c.nauc(), 1e-12);
    assertEquals(0.9, c.clean());
  }

  @Test
  void aucOnANonUniformGrid() {
    RobustnessCurve c = c("a", new double[] {0, 0.1, 0.3, 1.0}, 1.0, 0.8, 0.6, 0.2);
    // 0.1*0.9 + 0.2*0.7 + 0.7*0.4 = 0.09 + 0.14 + 0.28 = 0.51
    assertEquals(0.51, c.auc(), 1e-12);
    assertEquals(0.51, c.nauc(), 1e-12);
    RobustnessCurve flat = c("flat", new double[] {0, 0.5, 3}, 0.7, 0.7, 0.7);
    assertEquals(1.0, flat.nauc(), 1e-12, "no degradation -> nAUC 1");
  }

  @Test
  void raucOnEqualGrids() {
    double[] s = {0, 1, 2};
    RobustnessCurve a = c("a", s, 0.9, 0.6, 0.3);
    RobustnessCurve ref = c("ref", s, 0.9, 0.9, 0.6); // AUC 0.9 + 0.75 = 1.65
    assertEquals(1.2 / 1.65, a.rauc(ref), 1e-12);
    assertEquals(1.0, a.rauc(a), 1e-12);
  }

  @Test
  void raucInterpolatesACoarserReference() {
    RobustnessCurve a = c("a", new double[] {0, 1, 2}, 0.9, 0.6, 0.3);
    RobustnessCurve ref = c("ref", new double[] {0, 2}, 1.0, 0.5); // 0.75 at sigma 1 -> AUC 0.875 + 0.625 = 1.5
    assertEquals(0.75, ref.accuracyAt(1.0), 1e-12);
    assertEquals(1.2 / 1.5, a.rauc(ref), 1e-12);
    RobustnessCurve shortRef = c("short", new double[] {0, 1.5}, 1.0, 0.5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.rauc(shortRef));
    assertTrue(e.getMessage().contains("short") && e.getMessage().contains("0.0..2.0"), e.getMessage());
  }

  @Test
  void meanAndSampleStdOverRepeats() {
    RobustnessCurve c = RobustnessCurve.of("k3", new double[] {0, 1}, new double[][] {{0.5, 0.6, 0.7}, {0.2, 0.2, 0.2}});
    assertEquals(0.6, c.mean()[0], 1e-12);
    assertEquals(0.1, c.std()[0], 1e-12);
    assertEquals(0.0, c.std()[1], 1e-12);
    assertEquals(3, c.repeats());
    RobustnessCurve one = RobustnessCurve.of("k1", new double[] {0}, new double[][] {{0.4}});
    assertEquals(0.0, one.std()[0]);
  }

  @Test
  void badCurvesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> c("x", new double[] {0, 2, 1}, 0.9, 0.8, 0.7));
    assertThrows(IllegalArgumentException.class, () -> c("x", new double[] {0, 1}, 0.9, 1.2));
    assertThrows(IllegalArgumentException.class, () -> c("x", new double[] {0, 1}, 0.9));
    assertThrows(IllegalArgumentException.class, () -> RobustnessCurve.of("x", new double[] {0, 1}, new double[][] {{0.5}, {0.5, 0.4}}));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> c("noclean", new double[] {0.1, 1}, 0.9, 0.5).nauc());
    assertTrue(e.getMessage().contains("sigma 0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> c("x", new double[] {0, 1}, 0.9, 0.5).accuracyAt(1.5));
  }

  @Test
  void paperGridAndParsing() {
    double[] g = SigmaGrid.paper();
    assertArrayEquals(new double[] {0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5, 1.7, 1.9, 2.1, 2.4, 2.7, 3.0}, g);
    assertArrayEquals(g, SigmaGrid.parse("0,0.1:2.1:0.2,2.4,2.7,3"));
    assertArrayEquals(g, SigmaGrid.parse("paper"));
    assertArrayEquals(new double[] {0, 0.5, 1}, SigmaGrid.parse("1, 0.5, 0, 0.5"));
    assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, SigmaGrid.upTo(1, 5));
    for (String bad : new String[] {"", "0,-1", "0,a", "1:0:0.1", "0:1:0", "0:1"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SigmaGrid.parse(bad), bad);
      assertTrue(e.getMessage().startsWith("sigma grid"), e.getMessage());
    }
  }
}
