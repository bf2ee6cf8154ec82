package dev.vant.data;

/**
 * Training-time augmentation: random crop after zero padding by {@code pad} pixels on each side (as
 * torchvision's {@code RandomCrop(size, padding=pad)}: the padded pixels are raw 0, i.e.
 * {@code -mean/std} after normalization), and horizontal flip with probability 1/2.
 *
 * @param pad padding in pixels (0: no crop)
 * @param flip random horizontal flip (refused for digit-like data)
 */
public record Augment(int pad, boolean flip) {
  /** No augmentation (evaluation). */
  public static final Augment NONE = new Augment(0, false);

  public Augment {
    if (pad < 0) throw new IllegalArgumentException("augment: pad must be >= 0, got " + pad);
  }

  /** The paper's recipe for natural images (pad 4 + flip), or pad-only for digit-like data. */
  public static Augment standard(Dataset train) {
    int pad = train.height() >= 32 ? 4 : 2;
    return new Augment(pad, !train.digitLike());
  }

  public boolean enabled() {
    return pad > 0 || flip;
  }
}
