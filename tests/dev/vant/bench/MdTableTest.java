package dev.vant.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MdTableTest {
  @Test
  void rendersHeaderAlignmentAndRows() {
    MdTable t = new MdTable("kernel", ">ms").row("conv", "1.50").row("a|b", null);
    assertEquals("| kernel | ms |\n|---|---:|\n| conv | 1.50 |\n| a\\|b | – |\n", t.toString());
    assertEquals(2, t.rows());
  }

  @Test
  void rowWithWrongCellCountNamesTheColumns() {
    MdTable t = new MdTable("a", "b");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.row("only one"));
    assertTrue(e.getMessage().contains("1 cells") && e.getMessage().contains("a, b"), e.getMessage());
    assertThrows(IllegalArgumentException.class, MdTable::new);
  }

  @Test
  void numbersRatiosPercentsAndTimes() {
    assertEquals("3.14", MdTable.num(Math.PI, 2));
    assertEquals("–", MdTable.num(Double.NaN, 2));
    assertEquals("0.50x", MdTable.ratio(1, 2));
    assertEquals("–", MdTable.ratio(1, 0));
    assertEquals("–", MdTable.ratio(Double.NaN, 2));
    assertEquals("41.3%", MdTable.percent(0.413, 1));
    assertEquals("12.35 µs", MdTable.time(12.346e-6));
    assertEquals("2.054 ms", MdTable.time(2.0541e-3));
    assertEquals("812.4 µs", MdTable.time(812.4e-6));
    assertEquals("12.31 ms", MdTable.time(12.31e-3));
    assertEquals("–", MdTable.time(Double.POSITIVE_INFINITY));
  }
}
