package dev.forker.boot.jetty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;

import org.springframework.boot.jetty.JettyServerCustomizer;

import dev.forker.boot.worker.ConnectionDrain;

/**
 * Drains a worker's Jetty connectors before Spring Boot's graceful shutdown. Spring
 * Boot's graceful shutdown waits for the active requests only, then stops the connectors,
 * which closes every kept-alive connection whether or not its client is sending a request
 * on it; and Jetty's own graceful connector shutdown closes a connection after any
 * response that completes once it began, even one sent as persistent. The drain
 * {@link ForkerServerConnector#drain(Duration) drains} the connectors first: they stop
 * accepting (the shared queue goes to the other workers), the next response on every open
 * connection says {@code Connection: close} and ends its connection, and connections that
 * send nothing are closed once idle for the drain timeout. It waits until every
 * connection is closed or the drain timeout has passed. Only then does Spring Boot's
 * graceful shutdown run.
 *
 * @since 0.1.0
 */
public class JettyConnectionDrain extends ConnectionDrain implements JettyServerCustomizer {

	private static final Log logger = LogFactory.getLog(JettyConnectionDrain.class);

	private final Set<Server> servers = ConcurrentHashMap.newKeySet();

	/**
	 * Create a new instance.
	 * @param timeout how long to wait for open connections to send their next request
	 */
	public JettyConnectionDrain(Duration timeout) {
		super(timeout, "forker-jetty-drain");
	}

	@Override
	public void customize(Server server) {
		this.servers.add(server);
	}

	@Override
	protected void drain() {
		List<ForkerServerConnector> connectors = new ArrayList<>();
		List<CompletableFuture<Void>> closed = new ArrayList<>();
		for (Server server : this.servers) {
			for (Connector connector : server.getConnectors()) {
				if (connector instanceof ForkerServerConnector forkerConnector && connector.isStarted()) {
					connectors.add(forkerConnector);
					closed.add(forkerConnector.drain(getTimeout()));
				}
			}
		}
		try {
			CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new))
				.get(getTimeout().toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			if (logger.isDebugEnabled()) {
				int open = connectors.stream().mapToInt((connector) -> connector.getConnectedEndPoints().size()).sum();
				logger.debug(open + " connections sent no request within the drain timeout of "
						+ getTimeout().toMillis() + "ms: closing them");
			}
		}
	}

}
