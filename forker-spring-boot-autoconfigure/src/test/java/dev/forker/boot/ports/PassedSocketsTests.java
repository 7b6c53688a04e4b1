package dev.forker.boot.ports;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.forker.boot.ForkerMode;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.diagnostics.InvalidForkerPropertyException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class PassedSocketsTests {

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	private static final PlannedPort SERVER = new PlannedPort(PlannedPort.SERVER_PORT, null, 8080);

	private static final PlannedPort MANAGEMENT = new PlannedPort(PlannedPort.MANAGEMENT_PORT, null, 8081);

	@Test
	void socketsPassedToAnotherProcessAreNotOurs() {
		assertThat(PassedSockets.of(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42"), 43, this::loopback8080)).isNull();
		assertThat(PassedSockets.of(Map.of("LISTEN_FDS", "1"), 43, this::loopback8080)).isNull();
		assertThat(PassedSockets.of(Map.of(), 43, this::loopback8080)).isNull();
	}

	@Test
	void socketsAreMatchedToPortsByPortNumber() {
		PassedSockets passed = PassedSockets.of(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "42"), 42,
				(fd) -> new InetSocketAddress(LOOPBACK, (fd == 3) ? 8081 : 8080));
		assertThat(passed.match(List.of(SERVER, MANAGEMENT), ForkerMode.SHARED)).containsExactly(
				new ServedPort(PlannedPort.SERVER_PORT, 8080, 4), new ServedPort(PlannedPort.MANAGEMENT_PORT, 8081, 3));
		assertThat(passed.descriptors()).containsExactly(3, 4);
	}

	@Test
	void aNamedSocketServesThePortOfItsProperty() {
		PassedSockets passed = PassedSockets.of(
				Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42", "LISTEN_FDNAMES", "server.port"), 42,
				(fd) -> new InetSocketAddress(LOOPBACK, 9000));
		assertThat(passed.match(List.of(SERVER), ForkerMode.SHARED))
			.containsExactly(new ServedPort(PlannedPort.SERVER_PORT, 9000, 3));
	}

	@Test
	void aSocketThatMatchesNoPortNamesThePropertyAndTheFix() {
		PassedSockets passed = PassedSockets.of(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42"), 42,
				(fd) -> new InetSocketAddress(LOOPBACK, 9000));
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> passed.match(List.of(SERVER), ForkerMode.SHARED))
			.satisfies((ex) -> {
				assertThat(ex.getProperty()).isEqualTo("server.port");
				assertThat(ex.getValue()).isEqualTo(8080);
				assertThat(ex.getMessage()).contains("127.0.0.1:9000 (fd 3)").contains("matches no port");
				assertThat(ex.getAction()).contains("to 9000").contains("FileDescriptorName=server.port");
			});
	}

	@Test
	void aPortWithoutASocketNamesItsProperty() {
		PassedSockets passed = PassedSockets.of(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42"), 42, this::loopback8080);
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> passed.match(List.of(SERVER, MANAGEMENT), ForkerMode.SHARED))
			.satisfies((ex) -> {
				assertThat(ex.getProperty()).isEqualTo("management.server.port");
				assertThat(ex.getMessage()).contains("none for this port");
				assertThat(ex.getAction()).contains("ListenStream=");
			});
	}

	@Test
	void aPortBoundToAnotherAddressDoesNotMatch() throws Exception {
		PassedSockets passed = PassedSockets.of(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42"), 42, this::loopback8080);
		PlannedPort elsewhere = new PlannedPort(PlannedPort.SERVER_PORT,
				InetAddress.getByAddress(new byte[] { 10, 1, 2, 3 }), 8080);
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> passed.match(List.of(elsewhere), ForkerMode.SHARED));
	}

	@Test
	void aDescriptorThatIsNoListeningTcpSocketIsRejected() {
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> PassedSockets.of(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42"), 42, (fd) -> null))
			.withMessageContaining("descriptor 3");
	}

	@Test
	void reuseportModeCannotServePassedSockets() {
		PassedSockets passed = PassedSockets.of(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42"), 42, this::loopback8080);
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> passed.match(List.of(SERVER), ForkerMode.REUSEPORT))
			.satisfies((ex) -> assertThat(ex.getProperty()).isEqualTo("forker.mode"));
	}

	private InetSocketAddress loopback8080(int fd) {
		return new InetSocketAddress(LOOPBACK, 8080);
	}

}
