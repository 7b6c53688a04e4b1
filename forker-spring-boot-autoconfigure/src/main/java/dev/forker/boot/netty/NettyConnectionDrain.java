package dev.forker.boot.netty;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;

import dev.forker.boot.balance.ConnectionGates;
import dev.forker.boot.worker.ConnectionDrain;

/**
 * Drains a worker's Reactor Netty server before Spring Boot's graceful shutdown disposes
 * it. Reactor Netty closes idle keep-alive connections at once and the others after their
 * current response, which never said {@code Connection: close}: a client that sends its
 * next request on such a connection sees it reset. The drain stops accepting, answers the
 * next request on every open connection with {@code Connection: close} (which makes
 * Reactor Netty close the connection after that response), and waits until every
 * connection is closed or the drain timeout has passed. Only then does Spring Boot's
 * graceful shutdown run.
 * <p>
 * Each connection is counted from the moment its server channel accepts it, not from its
 * initialization, which happens later on another event loop: a connection accepted just
 * as the drain begins is therefore drained like the others instead of being closed under
 * its first request.
 *
 * @since 0.1.0
 */
public class NettyConnectionDrain extends ConnectionDrain implements NettyServerCustomizer {

	private static final Log logger = LogFactory.getLog(NettyConnectionDrain.class);

	private static final String HANDLER_NAME = "forker.connectionDrain";

	private static final String ACCEPT_HANDLER_NAME = "forker.acceptedConnections";

	private static final long POLL_MILLIS = 5;

	private final Set<Channel> connections = ConcurrentHashMap.newKeySet();

	private final Set<Channel> servers = ConcurrentHashMap.newKeySet();

	private final ChannelHandler closeWhenDraining = new CloseWhenDraining();

	private final ChannelHandler trackAccepted = new TrackAccepted();

	private volatile boolean draining;

	/**
	 * Create a new instance.
	 * @param timeout how long to wait for open connections to send their next request
	 */
	public NettyConnectionDrain(Duration timeout) {
		super(timeout, "forker-netty-drain");
	}

	@Override
	public HttpServer apply(HttpServer server) {
		return server.doOnChannelInit((observer, channel, remoteAddress) -> {
			track(channel);
			channel.pipeline().addLast(HANDLER_NAME, this.closeWhenDraining);
		}).doOnBound((disposableServer) -> {
			Channel serverChannel = disposableServer.channel();
			if (serverChannel.pipeline().get(ACCEPT_HANDLER_NAME) == null) {
				serverChannel.pipeline().addFirst(ACCEPT_HANDLER_NAME, this.trackAccepted);
			}
			this.servers.add(serverChannel);
		});
	}

	private void track(Channel connection) {
		if (this.connections.add(connection)) {
			connection.closeFuture().addListener((future) -> this.connections.remove(connection));
		}
	}

	@Override
	protected void drain() {
		this.draining = true;
		// The other workers stop waiting for this one, and the gates resume no accept
		ConnectionGates.stopAccepting();
		for (Channel server : this.servers) {
			// Stops accepting: connections waiting in a shared queue go to the other
			// workers. On the server's event loop, so that no accept is under way once it
			// returns and every connection accepted so far is tracked.
			if (server.isRegistered()) {
				server.eventLoop()
					.submit(() -> server.config().setAutoRead(false))
					.awaitUninterruptibly(getTimeout().toMillis());
			}
			else {
				server.config().setAutoRead(false);
			}
		}
		long deadline = System.nanoTime() + getTimeout().toNanos();
		while (!this.connections.isEmpty() && System.nanoTime() - deadline < 0) {
			try {
				Thread.sleep(POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		if (!this.connections.isEmpty() && logger.isDebugEnabled()) {
			logger.debug(this.connections.size() + " connections sent no request within the drain timeout of "
					+ getTimeout().toMillis() + "ms: closing them");
		}
	}

	boolean isDraining() {
		return this.draining;
	}

	int openConnections() {
		return this.connections.size();
	}

	/**
	 * Tracks every connection its server channel accepts, at the accept.
	 */
	@ChannelHandler.Sharable
	private final class TrackAccepted extends ChannelInboundHandlerAdapter {

		@Override
		public void channelRead(ChannelHandlerContext context, Object message) throws Exception {
			if (message instanceof Channel connection) {
				track(connection);
			}
			super.channelRead(context, message);
		}

	}

	/**
	 * Marks every response written while draining as the last one of its connection.
	 */
	@ChannelHandler.Sharable
	private final class CloseWhenDraining extends ChannelOutboundHandlerAdapter {

		@Override
		public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) throws Exception {
			if (NettyConnectionDrain.this.draining && message instanceof HttpResponse response) {
				HttpUtil.setKeepAlive(response, false);
			}
			super.write(context, message, promise);
		}

	}

}
