package dev.forker.boot.jetty;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;

import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;
import dev.forker.boot.posix.NativeSockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ForkerServerConnector}.
 */
@ExtendWith(OutputCaptureExtension.class)
class ForkerServerConnectorTests {

	@Test
	void servesTheSocketTheMasterPassedDownAndReportsItsPort() throws Exception {
		try (ServerSocketChannel master = ServerSocketChannel.open()) {
			master.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			int port = ((InetSocketAddress) master.getLocalAddress()).getPort();
			int fd = NativeSockets.get().findListening(port);
			WorkerEnvironment worker = TestServers.worker(WorkerSocketMode.INHERITED,
					new ServedPort("server.port", port, fd));
			Server server = TestServers.okServer();
			ForkerServerConnector connector = connector(worker, server, port);
			server.addConnector(connector);
			server.start();
			try {
				assertThat(connector.getLocalPort()).isEqualTo(port);
				try (Socket socket = TestServers.connect(port)) {
					assertThat(TestServers.exchange(socket)).startsWith("HTTP/1.1 200").endsWith("ok");
				}
			}
			finally {
				server.stop();
			}
			assertThat(NativeSockets.get().isListening(fd)).as("the master's socket still listens").isTrue();
		}
	}

	@Test
	void bindsWithSoReusePortInReusePortMode() throws Exception {
		int port;
		try (ServerSocketChannel probe = ServerSocketChannel.open()) {
			probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
		}
		WorkerEnvironment worker = TestServers.worker(WorkerSocketMode.REUSEPORT,
				new ServedPort("server.port", port, null));
		Server first = TestServers.okServer();
		Server second = TestServers.okServer();
		ForkerServerConnector firstConnector = connector(worker, first, port);
		first.addConnector(firstConnector);
		second.addConnector(connector(worker, second, port));
		first.start();
		try {
			second.start();
			assertThat(firstConnector.isReusePort()).isTrue();
			assertThat(firstConnector.getLocalPort()).isEqualTo(port);
			try (Socket socket = TestServers.connect(port)) {
				assertThat(TestServers.exchange(socket)).startsWith("HTTP/1.1 200");
			}
		}
		finally {
			second.stop();
			first.stop();
		}
	}

	@Test
	void acceptorsEndQuietlyWhenTheMasterStopsTheSharedSocket(CapturedOutput output) throws Exception {
		try (ServerSocketChannel master = ServerSocketChannel.open()) {
			master.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			int port = ((InetSocketAddress) master.getLocalAddress()).getPort();
			int fd = NativeSockets.get().findListening(port);
			WorkerEnvironment worker = TestServers.worker(WorkerSocketMode.INHERITED,
					new ServedPort("server.port", port, fd));
			Server server = TestServers.okServer();
			ForkerServerConnector connector = connector(worker, server, port);
			server.addConnector(connector);
			server.start();
			try {
				await().atMost(Duration.ofSeconds(5)).until(() -> acceptorThreads(connector) == 1);
				assertThat(NativeSockets.get().stopListening(fd)).isTrue();
				await().atMost(Duration.ofSeconds(5)).until(() -> acceptorThreads(connector) == 0);
				assertThat(connector.isSharedSocketStopped()).isTrue();
				assertThat(output).doesNotContain("Accept Failure");
			}
			finally {
				server.stop();
			}
		}
	}

	@Test
	void needsAnAcceptorThread() {
		WorkerEnvironment worker = TestServers.worker(WorkerSocketMode.REUSEPORT);
		assertThatIllegalArgumentException().isThrownBy(() -> new ForkerServerConnector(worker, new Server(), null,
				null, null, 0, 1, new HttpConnectionFactory()));
	}

	private static ForkerServerConnector connector(WorkerEnvironment worker, Server server, int port) {
		ForkerServerConnector connector = new ForkerServerConnector(worker, server, null, null, null, 1, 1,
				new HttpConnectionFactory());
		connector.setHost("127.0.0.1");
		connector.setPort(port);
		return connector;
	}

	private static long acceptorThreads(ForkerServerConnector connector) {
		String name = "-acceptor-0@";
		String suffix = connector.toString();
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().contains(name) && thread.getName().endsWith(suffix))
			.count();
	}

}
