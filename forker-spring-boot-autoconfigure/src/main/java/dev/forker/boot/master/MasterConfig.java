package dev.forker.boot.master;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.worker.WorkerSocketMode;

/**
 * What the application's JVM hands to the lightweight master JVM it becomes: everything
 * the master needs, already read and checked, so that the new JVM loads neither Spring
 * Boot nor the application.
 *
 * @param properties the bound and validated {@code forker.*} properties
 * @param commandLine the command line of the application's JVM, without debugger options
 * @param processors the number of available processors
 * @param maxWorkers the largest number of workers scaling may reach
 * @param port the port the workers serve
 * @param socketMode how workers obtain their listening socket
 * @param listenFd the listening socket the workers inherit, or {@code null}
 * @param workerEnvironment environment variables to restore for the workers
 * @param logging how the master logs
 * @since 0.1.0
 */
record MasterConfig(ForkerProperties properties, JavaCommandLine commandLine, int processors, int maxWorkers, int port,
		WorkerSocketMode socketMode, @Nullable Integer listenFd, Map<String, String> workerEnvironment,
		Logging logging) {

	/**
	 * Environment variable that carries the configuration to the lightweight master.
	 */
	static final String VARIABLE = "FORKER_MASTER_CONFIG";

	// Fields, not accessors: the nested property groups are final fields without setters
	private static final JsonMapper mapper = JsonMapper.builder()
		.changeDefaultVisibility((visibility) -> visibility.withFieldVisibility(JsonAutoDetect.Visibility.ANY)
			.withGetterVisibility(JsonAutoDetect.Visibility.NONE)
			.withIsGetterVisibility(JsonAutoDetect.Visibility.NONE))
		.enable(MapperFeature.ALLOW_FINAL_FIELDS_AS_MUTATORS)
		.build();

	String toJson() {
		return mapper.writeValueAsString(this);
	}

	static MasterConfig fromJson(String json) {
		return mapper.readValue(json, MasterConfig.class);
	}

	/**
	 * How the lightweight master logs.
	 *
	 * @param applicationName the application name shown in each line, or {@code null}
	 * @param level the level of forker's own loggers, such as {@code INFO}
	 */
	record Logging(@Nullable String applicationName, String level) {

	}

}
