package dev.vant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vant.cuda.Cuda;
import org.junit.jupiter.api.Test;

class InfoCommandTest {
  @Test
  void textSaysWhetherCudaIsUsableAndWhy() {
    CliTestSupport.Run r = CliTestSupport.run("info");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("java:") && r.out().contains("cuda:") && r.out().contains("reason: "), r.out());
    assertTrue(r.out().contains(Cuda.status().reason()), r.out());
  }

  @Test
  void jsonCarriesTheSameFacts() throws Exception {
    CliTestSupport.Run r = CliTestSupport.run("info", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(Cuda.status().available(), j.at("/cuda/available").asBoolean());
    assertFalse(j.at("/cuda/reason").asText().isBlank());
    assertTrue(j.at("/cpu/threads").asInt() >= 1);
    assertEquals(System.getProperty("java.version"), j.at("/java/version").asText());
  }
}
