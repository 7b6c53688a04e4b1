package dev.forker.boot.jetty;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.jetty.JettyServerCustomizer;

import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.diagnostics.ForkerUnsharedPortException;

/**
 * Replaces every network connector of a worker's Jetty server with a
 * {@link ForkerServerConnector} configured the same way: same connection factories (and
 * so the same HTTP, TLS and HTTP/2 settings), threads, host, port, timeouts and beans. A
 * connector on a port that the master does not share fails the start.
 * <p>
 * Spring Boot creates its connectors itself (a plain one, or one for TLS), so a
 * replacement after the fact is the one way to serve them on the master's socket. It runs
 * as the last server customizer, once the connectors are configured.
 *
 * @since 0.1.0
 */
class WorkerConnectors implements JettyServerCustomizer {

	private static final String BOOT_SSL_CONNECTOR = "org.springframework.boot.jetty.SslServerCustomizer$SslValidatingServerConnector";

	private final WorkerEnvironment worker;

	WorkerConnectors(WorkerEnvironment worker) {
		this.worker = worker;
	}

	@Override
	public void customize(Server server) {
		List<Connector> connectors = new ArrayList<>();
		List<ForkerServerConnector> replaced = new ArrayList<>();
		boolean changed = false;
		for (Connector connector : server.getConnectors()) {
			Connector served = serve(connector);
			if (served != connector) {
				replaced.add((ForkerServerConnector) served);
				changed = true;
			}
			connectors.add(served);
		}
		if (changed) {
			server.setConnectors(connectors.toArray(Connector[]::new));
			limitReplacedConnectors(server, replaced);
		}
	}

	private Connector serve(Connector connector) {
		if (!(connector instanceof NetworkConnector network) || connector instanceof ForkerServerConnector) {
			return connector;
		}
		if (this.worker.port(network.getPort()) == null) {
			throw new ForkerUnsharedPortException(network.getPort(), address(network.getHost()), this.worker.ports());
		}
		if (connector.getClass() != ServerConnector.class
				&& !connector.getClass().getName().equals(BOOT_SSL_CONNECTOR)) {
			throw new IllegalStateException("forker needs Jetty's " + ServerConnector.class.getName() + " on port "
					+ network.getPort() + ", but the connector there is a " + connector.getClass().getName());
		}
		return replace((ServerConnector) connector);
	}

	private ForkerServerConnector replace(ServerConnector original) {
		Server server = original.getServer();
		ForkerServerConnector connector = new ForkerServerConnector(this.worker, server,
				unlessShared(original.getExecutor(), server.getThreadPool()),
				unlessShared(original.getScheduler(), server.getScheduler()),
				unlessShared(original.getByteBufferPool(), server.getByteBufferPool()),
				Math.max(1, original.getAcceptors()), original.getSelectorManager().getSelectorCount(),
				original.getConnectionFactories().toArray(ConnectionFactory[]::new));
		connector.setDefaultProtocol(original.getDefaultProtocol());
		connector.setName(original.getName());
		connector.setHost(original.getHost());
		connector.setPort(original.getPort());
		connector.setIdleTimeout(original.getIdleTimeout());
		connector.setShutdownIdleTimeout(original.getShutdownIdleTimeout());
		connector.setAcceptorPriorityDelta(original.getAcceptorPriorityDelta());
		connector.setAcceptQueueSize(original.getAcceptQueueSize());
		connector.setReuseAddress(original.getReuseAddress());
		connector.setAcceptedTcpNoDelay(original.getAcceptedTcpNoDelay());
		connector.setAcceptedReceiveBufferSize(original.getAcceptedReceiveBufferSize());
		connector.setAcceptedSendBufferSize(original.getAcceptedSendBufferSize());
		// Listeners and other beans that customizers added, such as connection statistics
		for (Object bean : original.getBeans()) {
			if (bean != original.getSelectorManager() && !connector.contains(bean)) {
				connector.addBean(bean, original.isManaged(bean));
			}
		}
		return connector;
	}

	private static <T> @Nullable T unlessShared(T own, T servers) {
		return (own != servers) ? own : null;
	}

	/**
	 * A connection limit ({@code server.jetty.max-connections}) lists the connectors it
	 * limits: make it list the replacements.
	 */
	private static void limitReplacedConnectors(Server server, List<ForkerServerConnector> replaced) {
		for (NetworkConnectionLimit limit : server.getBeans(NetworkConnectionLimit.class)) {
			NetworkConnectionLimit replacement = new NetworkConnectionLimit(limit.getMaxNetworkConnectionCount(),
					replaced.toArray(Connector[]::new));
			replacement.setEndPointIdleTimeout(limit.getEndPointIdleTimeout());
			server.removeBean(limit);
			server.addBean(replacement);
		}
	}

	private static @Nullable InetAddress address(@Nullable String host) {
		try {
			InetAddress address = (host != null) ? InetAddress.getByName(host) : null;
			return (address != null && !address.isAnyLocalAddress()) ? address : null;
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

}
