package dev.vant.backend;

/**
 * Adam with PyTorch's semantics ({@code torch.optim.Adam}, weight decay added to the gradient):
 * <pre>
 *   g = grad + weightDecay * p
 *   m = beta1 m + (1 - beta1) g          v = beta2 v + (1 - beta2) g^2
 *   p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)      t = 1, 2, ...
 * </pre>
 */
public record AdamConfig(float lr, float beta1, float beta2, float eps, float weightDecay) {
  public static AdamConfig paper(float lr) {
    return new AdamConfig(lr, 0.9f, 0.999f, 1e-8f, 1e-4f);
  }
}
