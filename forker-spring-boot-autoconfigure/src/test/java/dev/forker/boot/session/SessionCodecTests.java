package dev.forker.boot.session;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.session.MapSession;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link SessionCodec}.
 */
class SessionCodecTests {

	private final SessionCodec codec = new SessionCodec(getClass().getClassLoader());

	@Test
	void sessionComesBackWithItsIdTimesAndAttributes() {
		MapSession session = new MapSession("abc");
		session.setCreationTime(Instant.ofEpochMilli(1000));
		session.setLastAccessedTime(Instant.ofEpochMilli(2000));
		session.setMaxInactiveInterval(Duration.ofMinutes(7));
		session.setAttribute("visits", 3);
		session.setAttribute("cart", new ArrayList<>(List.of("book")));
		MapSession read = this.codec.decode(this.codec.encode(session));
		assertThat(read.getId()).isEqualTo("abc");
		assertThat(read.getCreationTime()).isEqualTo(Instant.ofEpochMilli(1000));
		assertThat(read.getLastAccessedTime()).isEqualTo(Instant.ofEpochMilli(2000));
		assertThat(read.getMaxInactiveInterval()).isEqualTo(Duration.ofMinutes(7));
		assertThat((Integer) read.getAttribute("visits")).isEqualTo(3);
		List<String> cart = read.getAttribute("cart");
		assertThat(cart).containsExactly("book");
	}

	@Test
	void notSerializableAttributeIsNamedWithItsClass() {
		MapSession session = new MapSession("abc");
		session.setAttribute("wizard", new Wizard());
		assertThatExceptionOfType(NotSerializableSessionAttributeException.class)
			.isThrownBy(() -> this.codec.encode(session))
			.withMessageContaining("Session attribute 'wizard' holds a " + Wizard.class.getName())
			.withMessageContaining("implement java.io.Serializable")
			.satisfies((ex) -> assertThat(ex.getAttribute()).isEqualTo("wizard"));
	}

	static class Wizard {

	}

}
