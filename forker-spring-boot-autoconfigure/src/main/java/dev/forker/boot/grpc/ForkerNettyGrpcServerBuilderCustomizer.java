package dev.forker.boot.grpc;

import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.Ordered;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import org.springframework.util.ClassUtils;

import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;
import dev.forker.boot.netty.WorkerServerChannels;

/**
 * Makes a worker's gRPC server (grpc-java's Netty server, as Spring Boot builds it) serve
 * the master's port: on the listening socket inherited from the master, or bound with
 * {@code SO_REUSEPORT}. It gives the server its own event loops and server channels, on
 * epoll where it is available and NIO otherwise, as grpc-java would pick. It runs after
 * every other customizer, so that the server channel is forker's.
 *
 * @since 0.1.0
 */
public class ForkerNettyGrpcServerBuilderCustomizer
		implements ServerBuilderCustomizer<NettyServerBuilder>, Ordered, DisposableBean {

	private static final boolean EPOLL_PRESENT = ClassUtils.isPresent("io.netty.channel.epoll.Epoll",
			ForkerNettyGrpcServerBuilderCustomizer.class.getClassLoader());

	private final WorkerEnvironment worker;

	private final GrpcServerAddress address;

	private @Nullable EventLoopGroup bossGroup;

	private @Nullable EventLoopGroup workerGroup;

	/**
	 * Create a new instance.
	 * @param worker the worker environment
	 * @param address the address the gRPC server binds
	 */
	public ForkerNettyGrpcServerBuilderCustomizer(WorkerEnvironment worker, GrpcServerAddress address) {
		this.worker = worker;
		this.address = address;
	}

	@Override
	public synchronized void customize(NettyServerBuilder builder) {
		boolean epoll = EPOLL_PRESENT && EpollTransport.isAvailable();
		IoHandlerFactory handlers = epoll ? EpollTransport.handlers() : NioIoHandler.newFactory();
		Class<? extends ServerSocketChannel> channelClass = epoll ? EpollTransport.channelClass()
				: NioServerSocketChannel.class;
		shutdownEventLoops();
		EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("forker-grpc-boss", true),
				handlers);
		EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0,
				new DefaultThreadFactory("forker-grpc-worker", true), handlers);
		this.bossGroup = boss;
		this.workerGroup = workers;
		builder.bossEventLoopGroup(boss).workerEventLoopGroup(workers).channelFactory(() -> channel(channelClass));
	}

	private ServerChannel channel(Class<? extends ServerSocketChannel> channelClass) {
		if (this.worker.socketMode() == WorkerSocketMode.INHERITED) {
			return WorkerServerChannels.inherited(channelClass, this.worker, this.address.address(),
					this.address.port());
		}
		ServerSocketChannel channel = (channelClass != NioServerSocketChannel.class) ? EpollTransport.newChannel()
				: new NioServerSocketChannel();
		WorkerServerChannels.enableReusePort(channel);
		WorkerServerChannels.gateAccepts(channel, this.address.port());
		return channel;
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
	 * Netty's epoll transport, in a class of its own so that it is only loaded where it
	 * is on the class path.
	 */
	private static final class EpollTransport {

		static boolean isAvailable() {
			return Epoll.isAvailable();
		}

		static IoHandlerFactory handlers() {
			return EpollIoHandler.newFactory();
		}

		static Class<? extends ServerSocketChannel> channelClass() {
			return EpollServerSocketChannel.class;
		}

		static ServerSocketChannel newChannel() {
			return new EpollServerSocketChannel();
		}

	}

}
