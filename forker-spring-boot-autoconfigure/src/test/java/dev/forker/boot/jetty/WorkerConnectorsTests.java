package dev.forker.boot.jetty;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

import org.eclipse.jetty.io.ConnectionStatistics;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;
import dev.forker.boot.diagnostics.ForkerUnsharedPortException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link WorkerConnectors}.
 */
class WorkerConnectorsTests {

	private static final WorkerEnvironment WORKER = TestServers.worker(WorkerSocketMode.REUSEPORT,
			new ServedPort("server.port", 18080, null), new ServedPort("management.server.port", 18081, null));

	@Test
	void replacesAConnectorWithOneConfiguredTheSameWay() {
		Server server = new Server();
		HttpConnectionFactory http = new HttpConnectionFactory(new HttpConfiguration());
		ServerConnector original = new ServerConnector(server, 2, 3, http);
		original.setHost("::1");
		original.setPort(18080);
		original.setName("main");
		original.setIdleTimeout(12_345);
		original.setShutdownIdleTimeout(2_345);
		original.setAcceptQueueSize(77);
		original.setAcceptedTcpNoDelay(false);
		original.setAcceptedReceiveBufferSize(4096);
		original.setAcceptedSendBufferSize(8192);
		original.setAcceptorPriorityDelta(1);
		ConnectionStatistics statistics = new ConnectionStatistics();
		original.addBean(statistics);
		server.addConnector(original);
		new WorkerConnectors(WORKER).customize(server);
		assertThat(server.getConnectors()).singleElement().isInstanceOf(ForkerServerConnector.class);
		ForkerServerConnector connector = (ForkerServerConnector) server.getConnectors()[0];
		assertThat(connector.getConnectionFactories()).containsExactly(http);
		assertThat(connector.getDefaultProtocol()).isEqualToIgnoringCase(original.getDefaultProtocol());
		assertThat(connector.getAcceptors()).isEqualTo(2);
		assertThat(connector.getSelectorManager().getSelectorCount()).isEqualTo(3);
		assertThat(connector.getHost()).isEqualTo("::1");
		assertThat(connector.getPort()).isEqualTo(18080);
		assertThat(connector.getName()).isEqualTo("main");
		assertThat(connector.getIdleTimeout()).isEqualTo(12_345);
		assertThat(connector.getShutdownIdleTimeout()).isEqualTo(2_345);
		assertThat(connector.getAcceptQueueSize()).isEqualTo(77);
		assertThat(connector.getAcceptedTcpNoDelay()).isFalse();
		assertThat(connector.getAcceptedReceiveBufferSize()).isEqualTo(4096);
		assertThat(connector.getAcceptedSendBufferSize()).isEqualTo(8192);
		assertThat(connector.getAcceptorPriorityDelta()).isEqualTo(1);
		assertThat(connector.isReusePort()).isTrue();
		assertThat(connector.getBeans(ConnectionStatistics.class)).containsExactly(statistics);
		assertThat(connector.getExecutor()).isSameAs(server.getThreadPool());
		assertThat(connector.isManaged(server.getThreadPool())).as("the server's thread pool is the server's")
			.isFalse();
		assertThat(connector.getBeans(ServerConnector.class)).isEmpty();
	}

	@Test
	void acceptsWithAtLeastOneAcceptorThread() {
		Server server = new Server();
		ServerConnector original = new ServerConnector(server, 0, 1, new HttpConnectionFactory());
		original.setPort(18080);
		server.addConnector(original);
		new WorkerConnectors(WORKER).customize(server);
		assertThat(((ForkerServerConnector) server.getConnectors()[0]).getAcceptors()).isOne();
	}

	@Test
	void replacesEverySharedConnectorAndLeavesOthers() {
		Server server = new Server();
		ServerConnector main = new ServerConnector(server);
		main.setPort(18080);
		ServerConnector management = new ServerConnector(server);
		management.setPort(18081);
		Connector local = new org.eclipse.jetty.server.LocalConnector(server);
		server.setConnectors(new Connector[] { main, management, local });
		new WorkerConnectors(WORKER).customize(server);
		assertThat(server.getConnectors()).hasSize(3);
		assertThat(server.getConnectors()[0]).isInstanceOf(ForkerServerConnector.class);
		assertThat(server.getConnectors()[1]).isInstanceOf(ForkerServerConnector.class);
		assertThat(server.getConnectors()[2]).isSameAs(local);
		Connector[] replaced = server.getConnectors();
		new WorkerConnectors(WORKER).customize(server);
		assertThat(server.getConnectors()).as("customizing twice changes nothing").containsExactly(replaced);
	}

	@Test
	void additionalConnectorOnAnotherPortFailsTheStart() {
		Server server = new Server();
		ServerConnector main = new ServerConnector(server);
		main.setPort(18080);
		ServerConnector extra = new ServerConnector(server);
		extra.setPort(19443);
		extra.setHost("127.0.0.1");
		server.setConnectors(new Connector[] { main, extra });
		assertThatExceptionOfType(ForkerUnsharedPortException.class)
			.isThrownBy(() -> new WorkerConnectors(WORKER).customize(server))
			.withMessageContaining("forker cannot share port 19443 on 127.0.0.1")
			.withMessageContaining("server.port=18080, management.server.port=18081");
	}

	@Test
	void connectorOfAnotherKindFailsTheStart() {
		Server server = new Server();
		ServerConnector custom = new ServerConnector(server) {
		};
		custom.setPort(18080);
		server.addConnector(custom);
		assertThatIllegalStateException().isThrownBy(() -> new WorkerConnectors(WORKER).customize(server))
			.withMessageContaining("forker needs Jetty's org.eclipse.jetty.server.ServerConnector on port 18080");
	}

	@Test
	void connectionLimitLimitsTheReplacements() throws Exception {
		int port;
		try (ServerSocketChannel probe = ServerSocketChannel.open()) {
			probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
		}
		WorkerEnvironment worker = TestServers.worker(WorkerSocketMode.REUSEPORT,
				new ServedPort("server.port", port, null));
		Server server = TestServers.okServer();
		ServerConnector original = new ServerConnector(server);
		original.setHost("127.0.0.1");
		original.setPort(port);
		server.addConnector(original);
		NetworkConnectionLimit limit = new NetworkConnectionLimit(5, server.getConnectors());
		server.addBean(limit);
		new WorkerConnectors(worker).customize(server);
		assertThat(server.getBeans(NetworkConnectionLimit.class)).singleElement()
			.isNotSameAs(limit)
			.satisfies((replacement) -> assertThat(replacement.getMaxNetworkConnectionCount()).isEqualTo(5));
		server.start();
		try {
			assertThat(server.getConnectors()[0]).isInstanceOf(ForkerServerConnector.class);
			assertThat(((ForkerServerConnector) server.getConnectors()[0]).getBeans(NetworkConnectionLimit.class))
				.containsExactlyElementsOf(server.getBeans(NetworkConnectionLimit.class));
		}
		finally {
			server.stop();
		}
	}

	@Test
	void keepsTheConnectionFactoriesOfATlsConnector() {
		Server server = new Server();
		org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
		ServerConnector original = new ServerConnector(server, ssl, new HttpConnectionFactory());
		original.setPort(18080);
		server.addConnector(original);
		new WorkerConnectors(WORKER).customize(server);
		ForkerServerConnector connector = (ForkerServerConnector) server.getConnectors()[0];
		assertThat(connector.getDefaultProtocol()).isEqualToIgnoringCase("SSL");
		assertThat(connector.getConnectionFactories()).extracting(ConnectionFactory::getProtocol)
			.containsExactly("SSL", "HTTP/1.1");
	}

}
