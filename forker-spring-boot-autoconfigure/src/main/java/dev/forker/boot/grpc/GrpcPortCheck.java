package dev.forker.boot.grpc;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;

/**
 * Warns when the master opened a gRPC port for the workers (it saw Spring Boot's gRPC
 * server and grpc-java's Netty server on the class path) but the worker runs no gRPC
 * server there, as happens when the application has no gRPC service: clients that connect
 * to that port would wait.
 *
 * @since 0.1.0
 */
public class GrpcPortCheck implements ApplicationListener<ApplicationReadyEvent> {

	private static final Log logger = LogFactory.getLog(GrpcPortCheck.class);

	private static final String GRPC_PORT = "spring.grpc.server.port";

	private final WorkerEnvironment worker;

	private final ObjectProvider<GrpcServerLifecycle> servers;

	/**
	 * Create a new instance.
	 * @param worker the worker environment
	 * @param servers the gRPC servers of the application
	 */
	public GrpcPortCheck(WorkerEnvironment worker, ObjectProvider<GrpcServerLifecycle> servers) {
		this.worker = worker;
		this.servers = servers;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		if (event.getApplicationContext().getParent() != null) {
			return;
		}
		for (ServedPort port : this.worker.ports()) {
			if (port.property().equals(GRPC_PORT) && this.servers.stream().noneMatch(GrpcServerLifecycle::isRunning)) {
				logger.warn("forker opened " + GRPC_PORT + "=" + port.port() + " for the workers, but this worker "
						+ "runs no gRPC server (is there no gRPC service bean?): clients that connect to it wait. "
						+ "Set spring.grpc.server.enabled=false if the application serves no gRPC.");
			}
		}
	}

}
