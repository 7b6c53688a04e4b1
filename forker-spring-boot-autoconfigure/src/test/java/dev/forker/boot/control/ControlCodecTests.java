package dev.forker.boot.control;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ControlCodec}.
 */
class ControlCodecTests {

	private final ControlCodec codec = new ControlCodec();

	@Test
	void roundTripsMessages() {
		assertRoundTrip(new ControlMessage.Hello(2, 1234, "secret"));
		assertRoundTrip(new ControlMessage.Ready());
		assertRoundTrip(new ControlMessage.StartupFailed("java.lang.IllegalStateException: boom", null, null));
		assertRoundTrip(new ControlMessage.StartupFailed("org.springframework.boot.web.server.PortInUseException",
				"Web server failed to start. Port 8081 was already in use.",
				"Identify and stop the process that's listening on port 8081."));
	}

	@Test
	void encodesOneLinePerMessage() {
		String line = new String(this.codec.encode(new ControlMessage.Hello(1, 7, "t")), StandardCharsets.UTF_8);
		assertThat(line).isEqualTo("{\"type\":\"hello\",\"workerId\":1,\"pid\":7,\"token\":\"t\"}\n");
	}

	@Test
	void rejectsGarbage() {
		assertInvalid("not json at all");
		assertInvalid("{\"type\":\"launch-missiles\"}");
		assertInvalid("{\"workerId\":1}");
		assertInvalid("[1,2,3]");
		assertInvalid("null");
	}

	private void assertRoundTrip(ControlMessage message) {
		byte[] line = this.codec.encode(message);
		assertThat(this.codec.decode(line, 0, line.length - 1)).isEqualTo(message);
	}

	private void assertInvalid(String text) {
		byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
		assertThatExceptionOfType(InvalidControlMessageException.class)
			.isThrownBy(() -> this.codec.decode(bytes, 0, bytes.length));
	}

}
