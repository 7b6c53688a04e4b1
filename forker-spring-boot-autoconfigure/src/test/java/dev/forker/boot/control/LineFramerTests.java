package dev.forker.boot.control;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LineFramer}.
 */
class LineFramerTests {

	private final List<String> lines = new ArrayList<>();

	private final List<Integer> oversized = new ArrayList<>();

	private final LineFramer.Handler handler = new LineFramer.Handler() {

		@Override
		public void line(byte[] bytes, int offset, int length) {
			LineFramerTests.this.lines.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
		}

		@Override
		public void oversized(int limit) {
			LineFramerTests.this.oversized.add(limit);
		}

	};

	@Test
	void splitsLinesAcrossReads() {
		LineFramer framer = new LineFramer(16);
		framer.feed(bytes("one\ntw"), this.handler);
		framer.feed(bytes("o\n\nthree\n"), this.handler);
		assertThat(this.lines).containsExactly("one", "two", "three");
	}

	@Test
	void skipsAnOversizedLineAndKeepsGoing() {
		LineFramer framer = new LineFramer(4);
		framer.feed(bytes("ok\nmuch-too-long"), this.handler);
		framer.feed(bytes("-still\nfine\n"), this.handler);
		assertThat(this.lines).containsExactly("ok", "fine");
		assertThat(this.oversized).containsExactly(4);
	}

	@Test
	void holdsABufferOnlyWhileAPartialLineIsKept() {
		LineFramer framer = new LineFramer(64 * 1024);
		assertThat(framer.bufferSize()).isZero();
		framer.feed(bytes("x".repeat(10_000)), this.handler);
		assertThat(framer.bufferSize()).isGreaterThanOrEqualTo(10_000);
		framer.feed(bytes("\n"), this.handler);
		assertThat(this.lines).containsExactly("x".repeat(10_000));
		assertThat(framer.bufferSize()).isZero();
	}

	private static ByteBuffer bytes(String text) {
		return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
	}

}
