package dev.vant.nn;

import dev.vant.backend.Backend;

/**
 * What a layer needs when it is bound into a model: the backend that holds its tensors, the seeded
 * initializer, and the registry that hands out noise operator and site ids in forward order.
 */
public final class Binder {
  private final Backend backend;
  private final Init init;
  private final NoiseRegistry noise = new NoiseRegistry();

  /** A binder for one model on {@code backend} with parameters drawn from {@code initSeed}. */
  public Binder(Backend backend, long initSeed) {
    this.backend = backend;
    this.init = new Init(initSeed);
  }

  public Backend backend() {
    return backend;
  }

  public Init init() {
    return init;
  }

  public NoiseRegistry noise() {
    return noise;
  }
}
