package dev.forker.boot.netty;

import java.net.SocketAddress;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Answers Reactor Netty's {@code bind} of an inherited, already bound and listening
 * socket as done. The socket is active from its registration on, so the channel accepts
 * without a bind (which would fail on a bound socket).
 *
 * @since 0.1.0
 */
@ChannelHandler.Sharable
final class AlreadyBoundHandler extends ChannelOutboundHandlerAdapter {

	static final AlreadyBoundHandler INSTANCE = new AlreadyBoundHandler();

	static final String NAME = "forker.alreadyBound";

	private AlreadyBoundHandler() {
	}

	@Override
	public void bind(ChannelHandlerContext context, SocketAddress localAddress, ChannelPromise promise) {
		promise.setSuccess();
	}

}
