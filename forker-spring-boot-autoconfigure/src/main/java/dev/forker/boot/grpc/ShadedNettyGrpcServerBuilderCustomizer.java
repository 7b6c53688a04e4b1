package dev.forker.boot.grpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelOutboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelPromise;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollChannelOption;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.ServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioChannelOption;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.Ordered;
import org.springframework.grpc.server.ServerBuilderCustomizer;

import dev.forker.boot.balance.ConnectionGates;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;
import dev.forker.boot.worker.WorkerListeners;

/**
 * Makes a worker's gRPC server on grpc-java's shaded Netty ({@code grpc-netty-shaded})
 * serve the master's port: on the listening socket inherited from the master, or bound
 * with {@code SO_REUSEPORT}. The shaded Netty is a Netty of its own, so the server
 * channels are made here with its classes: epoll where it is available, NIO otherwise. It
 * runs after every other customizer, so that the server channel is forker's.
 *
 * @since 0.1.0
 * @see ForkerNettyGrpcServerBuilderCustomizer
 */
public class ShadedNettyGrpcServerBuilderCustomizer
		implements ServerBuilderCustomizer<NettyServerBuilder>, Ordered, DisposableBean {

	private final WorkerEnvironment worker;

	private final GrpcServerAddress address;

	private @Nullable EventLoopGroup bossGroup;

	private @Nullable EventLoopGroup workerGroup;

	/**
	 * Create a new instance.
	 * @param worker the worker environment
	 * @param address the address the gRPC server binds
	 */
	public ShadedNettyGrpcServerBuilderCustomizer(WorkerEnvironment worker, GrpcServerAddress address) {
		this.worker = worker;
		this.address = address;
	}

	@Override
	public synchronized void customize(NettyServerBuilder builder) {
		boolean epoll = Epoll.isAvailable();
		IoHandlerFactory handlers = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
		shutdownEventLoops();
		EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("forker-grpc-boss", true),
				handlers);
		EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0,
				new DefaultThreadFactory("forker-grpc-worker", true), handlers);
		this.bossGroup = boss;
		this.workerGroup = workers;
		builder.bossEventLoopGroup(boss).workerEventLoopGroup(workers).channelFactory(() -> channel(epoll));
	}

	private ServerChannel channel(boolean epoll) {
		if (this.worker.socketMode() == WorkerSocketMode.INHERITED) {
			return inherited(epoll);
		}
		ServerSocketChannel channel;
		if (epoll) {
			channel = new EpollServerSocketChannel();
			channel.config().setOption(EpollChannelOption.SO_REUSEPORT, true);
		}
		else {
			channel = new NioServerSocketChannel();
			channel.config().setOption(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
		}
		gateAccepts(channel);
		return channel;
	}

	private ServerSocketChannel inherited(boolean epoll) {
		ServerSocketChannel channel;
		if (epoll) {
			channel = new EpollServerSocketChannel(
					WorkerListeners.duplicate(this.worker, this.address.address(), this.address.port()));
		}
		else {
			try {
				WorkerListeners.Listener listener = WorkerListeners.open(this.worker, this.address.address(),
						this.address.port(), 0, (socket) -> {
						});
				channel = new InheritedNioServerSocketChannel(listener.channel(), listener.localAddress());
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
		channel.pipeline().addFirst("forker.alreadyBound", AlreadyBound.INSTANCE);
		gateAccepts(channel);
		// One connection per wake-up: workers sharing a socket take turns
		if (channel.config().getRecvByteBufAllocator() instanceof MaxMessagesRecvByteBufAllocator allocator) {
			allocator.maxMessagesPerRead(1);
		}
		return channel;
	}

	private void gateAccepts(ServerSocketChannel channel) {
		channel.pipeline()
			.addFirst(ShadedGatedAccept.NAME, new ShadedGatedAccept(ConnectionGates.forPort(this.address.port())));
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public synchronized void destroy() {
		shutdownEventLoops();
	}

	private void shutdownEventLoops() {
		for (EventLoopGroup group : new EventLoopGroup[] { this.bossGroup, this.workerGroup }) {
			if (group != null) {
				group.shutdownGracefully();
			}
		}
		this.bossGroup = null;
		this.workerGroup = null;
	}

	/**
	 * A shaded NIO server channel on the listening socket inherited from the master,
	 * which reports the socket's address (the adopted JDK channel does not know it).
	 */
	private static final class InheritedNioServerSocketChannel extends NioServerSocketChannel {

		private final InetSocketAddress localAddress;

		InheritedNioServerSocketChannel(java.nio.channels.ServerSocketChannel channel, InetSocketAddress localAddress) {
			super(channel);
			this.localAddress = localAddress;
		}

		@Override
		protected InetSocketAddress localAddress0() {
			return this.localAddress;
		}

	}

	/**
	 * Takes the server's bind as done: the inherited socket is bound and listening.
	 */
	@ChannelHandler.Sharable
	private static final class AlreadyBound extends ChannelOutboundHandlerAdapter {

		static final AlreadyBound INSTANCE = new AlreadyBound();

		@Override
		public void bind(ChannelHandlerContext context, SocketAddress localAddress, ChannelPromise promise) {
			promise.setSuccess();
		}

	}

}
