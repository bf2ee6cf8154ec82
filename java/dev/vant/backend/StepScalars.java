package dev.vant.backend;

/**
 * The scalars of one training step that a recorded step ({@link StepGraph}) reads from device memory
 * instead of freezing them: the step word of the noise stream (and of the VANT level draw), the learning
 * rate, and the optimizer's update count {@code t} (Adam's bias corrections {@code 1 - beta^t}).
 *
 * @param step global training step (the noise stream's step word)
 * @param lr learning rate of the update
 * @param optimizerStep the optimizer's step count after this update (1-based, Adam's t)
 */
public record StepScalars(int step, float lr, int optimizerStep) {}
