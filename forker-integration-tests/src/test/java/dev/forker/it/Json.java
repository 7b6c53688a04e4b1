package dev.forker.it;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parses JSON answers in tests.
 */
final class Json {

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private Json() {
	}

	static JsonNode parse(String json) {
		return mapper.readTree(json);
	}

}
