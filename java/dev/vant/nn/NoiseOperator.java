package dev.vant.nn;

import java.util.List;

/**
 * A noise operator: one module of the authors' code that injects noise, applied one or more times per
 * forward pass (a residual block's "ReLU + noise" operator is applied after each of its ReLUs).
 *
 * @param id stable id (order of first application, from 0)
 * @param name e.g. {@code "layer1.0.relu"} or {@code "layer1.0.conv1"}
 * @param sites the site ids of its applications, in forward order
 */
public record NoiseOperator(int id, String name, List<Integer> sites) {}
