package dev.forker.boot.grpc;

import io.grpc.protobuf.services.HealthStatusManager;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Makes a stopping worker's {@code grpc.health.v1.Health} service answer
 * {@code NOT_SERVING} for every service as soon as the application context closes, before
 * its gRPC server stops accepting and sends {@code GOAWAY}: clients and load balancers
 * that check or watch health move away from the worker first. Spring Boot only does so
 * when it destroys the health service, after the server has stopped.
 *
 * @since 0.1.0
 */
public class GrpcHealthOnShutdown implements ApplicationListener<ContextClosedEvent>, ApplicationContextAware {

	private final ObjectProvider<HealthStatusManager> healthStatusManager;

	private @Nullable ApplicationContext applicationContext;

	/**
	 * Create a new instance.
	 * @param healthStatusManager the gRPC health service's status, where there is one
	 */
	public GrpcHealthOnShutdown(ObjectProvider<HealthStatusManager> healthStatusManager) {
		this.healthStatusManager = healthStatusManager;
	}

	@Override
	public void setApplicationContext(ApplicationContext applicationContext) {
		this.applicationContext = applicationContext;
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		// A child context (the management server's) closing is not this worker stopping
		if (event.getApplicationContext() == this.applicationContext) {
			this.healthStatusManager.ifAvailable(HealthStatusManager::enterTerminalState);
		}
	}

}
