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

  /** The backend that holds the model's tensors. */
  public Backend backend() {
    return backend;
  }

  /** The seeded initializer (draws in bind order). */
  public Init init() {
    return init;
  }

  /** The registry of noise operators and sites. */
  public NoiseRegistry noise() {
    return noise;
  }
}
