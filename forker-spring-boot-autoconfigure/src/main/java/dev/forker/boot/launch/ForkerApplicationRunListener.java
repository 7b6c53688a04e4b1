package dev.forker.boot.launch;

import java.time.Duration;
import java.util.Locale;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringApplicationRunListener;
import org.springframework.boot.bootstrap.ConfigurableBootstrapContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.forker.boot.balance.ConnectionGates;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.database.DatabaseTurns;
import dev.forker.boot.launch.MasterLauncher;
import dev.forker.boot.logging.LogForwarding;
import dev.forker.boot.worker.WorkerAgent;

/**
 * Where prefork mode begins. Once the environment is prepared (application properties and
 * logging included), a master runs its workers instead of building the application
 * context and exits when they are done; a worker connects to its master and lets Spring
 * Boot run, then reports that it is ready or why it failed.
 *
 * @since 0.1.0
 */
public class ForkerApplicationRunListener implements SpringApplicationRunListener, Ordered {

	/**
	 * Name of the {@link WorkerAgent} bean in a worker's application context.
	 */
	public static final String WORKER_AGENT_BEAN_NAME = "forkerWorkerAgent";

	private static final Log logger = LogFactory.getLog(ForkerApplicationRunListener.class);

	private final SpringApplication application;

	private @Nullable WorkerAgent agent;

	/**
	 * Create a new instance, as Spring Boot does for every run.
	 * @param application the application
	 * @param args the program arguments
	 */
	public ForkerApplicationRunListener(SpringApplication application, String[] args) {
		this.application = application;
	}

	@Override
	public int getOrder() {
		// After EventPublishingRunListener, which loads the configuration and logging
		return 10;
	}

	/**
	 * Connect a worker to its master as early as Spring Boot lets forker act, before the
	 * environment and logging are prepared: from then on a worker whose master dies stops
	 * at once.
	 */
	@Override
	public void starting(ConfigurableBootstrapContext bootstrapContext) {
		WorkerEnvironment worker = WorkerEnvironment.current();
		if (worker != null && this.agent == null) {
			this.agent = WorkerAgent.connect(worker);
		}
	}

	@Override
	public void environmentPrepared(ConfigurableBootstrapContext bootstrapContext,
			ConfigurableEnvironment environment) {
		ProcessRole role = ProcessRole.of(environment);
		if (role != ProcessRole.MASTER && System.getenv(UpgradeState.CHECK_VARIABLE) != null) {
			logger.error("The new version does not run as a forker master (" + role.name().toLowerCase(Locale.ROOT)
					+ "): a master cannot replace itself in place with it. Stop the deployment and start the new "
					+ "version instead.");
			System.exit(1);
		}
		switch (role) {
			case MASTER -> System.exit(MasterLauncher.run(environment, this.application.getWebApplicationType()));
			case WORKER -> {
				WorkerEnvironment worker = requireWorkerEnvironment();
				WorkerAgent agent = this.agent;
				if (agent == null) {
					agent = WorkerAgent.connect(worker);
					this.agent = agent;
				}
				agent.loggingStarted();
				// The master listens on its log socket before its control socket: once
				// connected (the first workers wait for their master), both are there
				LogForwarding.startWorker(worker);
				DatabaseTurns.prepare(environment, this.agent, this.application.getClassLoader());
				ConnectionGates.balance(environment.getProperty("forker.balance-connections", Boolean.class, true));
			}
			case SINGLE_PROCESS -> logger.info("forker.enabled is set, but this application runs as a single process: "
					+ ProcessRole.singleProcessReason());
			case DISABLED -> {
			}
		}
	}

	private static WorkerEnvironment requireWorkerEnvironment() {
		WorkerEnvironment environment = WorkerEnvironment.current();
		if (environment == null) {
			throw new IllegalStateException("No forker worker environment");
		}
		return environment;
	}

	@Override
	public void contextPrepared(ConfigurableApplicationContext context) {
		WorkerAgent agent = this.agent;
		if (agent != null) {
			context.getBeanFactory().registerSingleton(WORKER_AGENT_BEAN_NAME, agent);
		}
	}

	@Override
	public void ready(ConfigurableApplicationContext context, @Nullable Duration timeTaken) {
		WorkerAgent agent = this.agent;
		if (agent != null) {
			agent.reportReady();
		}
	}

	@Override
	public void failed(@Nullable ConfigurableApplicationContext context, Throwable exception) {
		WorkerAgent agent = this.agent;
		if (agent != null) {
			agent.reportStartupFailed(describe(exception), null, null);
		}
	}

	private static String describe(Throwable exception) {
		Throwable cause = exception;
		while (cause.getCause() != null && cause.getCause() != cause) {
			cause = cause.getCause();
		}
		String message = cause.getMessage();
		String description = cause.getClass().getName() + ((message != null) ? ": " + message : "");
		return description.replaceAll("\\s+", " ");
	}

}
