package dev.vant.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Hands out operator and site ids in the order layers register them (forward order). */
public final class NoiseRegistry {
  private final List<NoiseSite> sites = new ArrayList<>();
  private final List<String> operatorNames = new ArrayList<>();
  private final List<List<Integer>> operatorSites = new ArrayList<>();

  /** Registers one more application of {@code op}; {@code fallbackName} names an unnamed operator. */
  NoiseSite register(NoiseOp op, String fallbackName) {
    if (op.id < 0) {
      op.id = operatorNames.size();
      operatorNames.add(op.name() != null ? op.name() : fallbackName);
      operatorSites.add(new ArrayList<>());
    }
    op.applications++;
    NoiseSite s = new NoiseSite(sites.size(), op.id, operatorNames.get(op.id) + "#" + op.applications);
    sites.add(s);
    operatorSites.get(op.id).add(s.site());
    return s;
  }

  List<NoiseSite> sites() {
    return Collections.unmodifiableList(new ArrayList<>(sites));
  }

  List<NoiseOperator> operators() {
    List<NoiseOperator> ops = new ArrayList<>();
    for (int i = 0; i < operatorNames.size(); i++) {
      ops.add(new NoiseOperator(i, operatorNames.get(i), List.copyOf(operatorSites.get(i))));
    }
    return ops;
  }
}
