package dev.forker.boot.ports;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

import org.junit.jupiter.api.Test;

import dev.forker.boot.diagnostics.ForkerPortInUseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link PortReservation}.
 */
class PortReservationTests {

	private final InetAddress loopback = InetAddress.getLoopbackAddress();

	@Test
	void heldPortAcceptsReusePortListenersOnly() throws IOException {
		try (PortReservation reservation = PortReservation.reserve(new PlannedPort("server.port", this.loopback, 0))) {
			InetSocketAddress address = new InetSocketAddress(this.loopback, reservation.port());
			try (ServerSocketChannel plain = ServerSocketChannel.open()) {
				assertThatExceptionOfType(BindException.class).isThrownBy(() -> plain.bind(address));
			}
			try (ServerSocketChannel first = reusePort(address); ServerSocketChannel second = reusePort(address)) {
				assertThat(first.getLocalAddress()).isEqualTo(second.getLocalAddress());
			}
		}
	}

	@Test
	void portReleasedOnClose() throws IOException {
		int port;
		try (PortReservation reservation = PortReservation.reserve(new PlannedPort("server.port", this.loopback, 0))) {
			port = reservation.port();
		}
		try (ServerSocketChannel plain = ServerSocketChannel.open()) {
			plain.bind(new InetSocketAddress(this.loopback, port));
		}
	}

	@Test
	void portTakenByAnotherProcessIsReported() throws IOException {
		try (ServerSocketChannel other = ServerSocketChannel.open()) {
			other.bind(new InetSocketAddress(this.loopback, 0));
			int port = ((InetSocketAddress) other.getLocalAddress()).getPort();
			assertThatExceptionOfType(ForkerPortInUseException.class)
				.isThrownBy(() -> PortReservation.reserve(new PlannedPort("server.port", this.loopback, port)))
				.withMessage("Port " + port + " on 127.0.0.1 is already in use");
		}
	}

	private static ServerSocketChannel reusePort(InetSocketAddress address) throws IOException {
		ServerSocketChannel channel = ServerSocketChannel.open();
		channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
		channel.bind(address);
		return channel;
	}

}
