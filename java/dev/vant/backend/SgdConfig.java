package dev.vant.backend;

/**
 * SGD with momentum, PyTorch's semantics ({@code torch.optim.SGD}):
 * <pre>
 *   g = grad + weightDecay * p
 *   b = g on the first step, else momentum * b + (1 - dampening) * g
 *   d = nesterov ? g + momentum * b : b         (d = g when momentum is 0)
 *   p = p - lr * d
 * </pre>
 */
public record SgdConfig(float lr, float momentum, float dampening, float weightDecay, boolean nesterov) {}
