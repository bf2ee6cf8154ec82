/**
 * Optimizers with PyTorch's semantics ({@link dev.vant.optim.Adam}, {@link dev.vant.optim.Sgd} with
 * momentum and Nesterov), each one fused backend update per step, and learning-rate schedules
 * ({@link dev.vant.optim.LrSchedule}: cosine annealing, linear warm-up). Optimizer state is checkpointable
 * through {@code dev.vant.io.Checkpoint}.
 */
package dev.vant.optim;
