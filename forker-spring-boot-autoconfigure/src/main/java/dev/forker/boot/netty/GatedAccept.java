package dev.forker.boot.netty;

import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import dev.forker.boot.balance.ConnectionGate;

/**
 * Counts the connections a server channel accepts with a {@link ConnectionGate} and,
 * while the gate holds this worker back, stops the server channel's reads (its accepts)
 * and checks again every millisecond until the gate lets it accept or its longest wait
 * has passed. A server channel stopped by someone else (a drain) stays stopped.
 *
 * @since 0.1.0
 */
final class GatedAccept extends ChannelInboundHandlerAdapter {

	static final String NAME = "forker.gatedAccept";

	private static final long CHECK_MICROS = 1000;

	private final ConnectionGate gate;

	private boolean held;

	GatedAccept(ConnectionGate gate) {
		this.gate = gate;
	}

	@Override
	public void channelActive(ChannelHandlerContext context) throws Exception {
		this.gate.accepting(true);
		super.channelActive(context);
	}

	@Override
	public void channelRegistered(ChannelHandlerContext context) throws Exception {
		// An inherited socket is active as soon as it is registered: no bind follows
		if (context.channel().isActive()) {
			this.gate.accepting(true);
		}
		super.channelRegistered(context);
	}

	@Override
	public void channelInactive(ChannelHandlerContext context) throws Exception {
		this.gate.accepting(false);
		super.channelInactive(context);
	}

	@Override
	public void channelRead(ChannelHandlerContext context, Object message) throws Exception {
		if (message instanceof Channel connection) {
			this.gate.opened();
			connection.closeFuture().addListener((future) -> this.gate.closed());
		}
		super.channelRead(context, message);
		Channel server = context.channel();
		if (!this.held && server.config().isAutoRead() && !this.gate.mayAccept()) {
			this.held = true;
			server.config().setAutoRead(false);
			release(server, System.nanoTime() + ConnectionGate.MAX_WAIT_NANOS);
		}
	}

	private void release(Channel server, long deadline) {
		server.eventLoop().schedule(() -> {
			if (!server.isOpen()) {
				return;
			}
			if (!this.gate.isAccepting()) {
				// Stopped meanwhile: whoever stopped it resumes it
				this.held = false;
				return;
			}
			if (this.gate.mayAccept() || System.nanoTime() - deadline >= 0) {
				this.held = false;
				server.config().setAutoRead(true);
			}
			else {
				release(server, deadline);
			}
		}, CHECK_MICROS, TimeUnit.MICROSECONDS);
	}

}
