package dev.vant.nn;

/**
 * One noise application of a model's forward pass.
 *
 * @param site its stable id (forward order, from 0), the {@code site} word of the noise stream
 * @param operator the id of the operator it belongs to (what layer-wise experiments switch)
 * @param name readable name, e.g. {@code "layer1.0.relu#2"} (operator name, '#', 1-based application)
 */
public record NoiseSite(int site, int operator, String name) {}
