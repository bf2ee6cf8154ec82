package dev.vant.nn;

/**
 * A handle to a noise operator while a model is being built. Layers that share one operator (the
 * blocks' "ReLU + noise" after each ReLU) share one handle; its id is assigned when its first
 * application is registered.
 */
public final class NoiseOp {
  private String name;
  int id = -1;
  int applications;

  /** An operator named {@code name}; null lets the first layer that applies it name it after its path. */
  public NoiseOp(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  /** Names the operator unless it already has a name (a block names its ReLU operator after itself). */
  void nameIfUnset(String fullName) {
    if (name == null) name = fullName;
  }
}
