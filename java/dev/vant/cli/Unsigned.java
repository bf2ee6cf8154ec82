package dev.vant.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Converters for unsigned flag values, written in decimal or 0x-hex. */
final class Unsigned {
  private Unsigned() {}

  static long parse(String s, int bits) {
    String t = s.trim();
    try {
      long v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseUnsignedLong(t);
      if (bits < 64 && Long.compareUnsigned(v, (1L << bits) - 1) > 0) {
        throw new TypeConversionException("'" + s + "' does not fit in " + bits + " unsigned bits");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + s + "' is not an unsigned " + bits + "-bit integer");
    }
  }

  static final class U64 implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return parse(value, 64);
    }
  }

  static final class U32 implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return (int) parse(value, 32);
    }
  }
}
