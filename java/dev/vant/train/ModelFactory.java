package dev.vant.train;

import dev.vant.cli.UsageException;
import dev.vant.nn.Model;
import dev.vant.nn.Models;
import dev.vant.nn.ResNet;
import java.util.List;

/** {@code --model NAME} -> a model builder for the dataset's image shape and class count. */
public final class ModelFactory {
  private ModelFactory() {}

  /** Hidden widths of {@code --model mlp}. */
  static final int[] MLP_HIDDEN = {256, 128};

  public static Model.Builder builder(TrainConfig cfg, int channels, int height, int width, int classes) {
    if (cfg.model.equals("resnet20") && (cfg.resnetBlocks != null || cfg.resnetWidths != null || cfg.resnetStemPool != null)) {
      List<Integer> blocks = cfg.resnetBlocks != null ? cfg.resnetBlocks : List.of(3, 3, 3);
      List<Integer> widths = cfg.resnetWidths != null ? cfg.resnetWidths : List.of(16, 32, 64);
      if (blocks.size() != widths.size()) {
        throw new UsageException("--resnet-blocks " + blocks + " and --resnet-widths " + widths + " need one entry per stage");
      }
      return ResNet.builder().name("resnet-small").input(height, width, channels).classes(classes).block(ResNet.Block.BASIC)
          .blocks(blocks.stream().mapToInt(Integer::intValue).toArray())
          .widths(widths.stream().mapToInt(Integer::intValue).toArray())
          .maxPool(cfg.resnetStemPool != null && cfg.resnetStemPool).model();
    }
    return builder(cfg.model, channels, height, width, classes);
  }

  public static Model.Builder builder(String name, int channels, int height, int width, int classes) {
    return switch (name) {
      case "resnet18" -> Models.resnet18(channels, height, width, classes);
      case "resnet34" -> Models.resnet34(channels, height, width, classes);
      case "resnet50" -> Models.resnet50(channels, height, width, classes);
      case "resnet20" -> Models.resnet20(channels, height, width, classes);
      case "lenet5" -> Models.lenet5(channels, height, width, classes);
      case "mlp" -> Models.mlp(channels, height, width, classes, MLP_HIDDEN);
      default -> throw new UsageException("--model: unknown value '" + name + "' (expected one of "
          + String.join(", ", TrainConfig.MODELS) + ")");
    };
  }
}
