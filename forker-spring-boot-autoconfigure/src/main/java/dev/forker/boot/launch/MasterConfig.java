package dev.forker.boot.launch;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.unit.DataSize;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.master.WorkerProcesses;
import dev.forker.boot.startup.CachedLaunch;
import dev.forker.boot.startup.JavaCommandLine;
import dev.forker.boot.ports.PlannedPort;

/**
 * Everything a master needs, already read and checked in the application's JVM: what that
 * JVM hands to the lightweight master JVM it becomes, so that the new JVM loads neither
 * the application nor its configuration.
 *
 * @param properties the bound and validated {@code forker.*} properties
 * @param commandLine the command line of the application's JVM, without debugger options
 * @param cache how workers start with a startup cache, or {@code null}
 * @param processors the number of available processors
 * @param maxWorkers the largest number of workers scaling may reach
 * @param ports the ports the workers serve, with the master's descriptors in shared mode
 * @param workerEnvironment environment variables to restore for the workers
 * @param logging the properties that shape logging
 * @param directory the master's private directory, where its sockets are
 * @param logSocket where workers forward their log files, or {@code null} when logging
 * writes no file
 * @param started the workers the application's JVM started before it became the
 * lightweight master
 * @param socketsPassed whether the listening sockets were passed to the master by
 * systemd, which keeps them: the master must not shut them down when it stops
 * @param replacedMaster whether this master replaced a master in place, and
 * {@code started} are that master's workers
 * @since 0.1.0
 */
record MasterConfig(ForkerProperties properties, JavaCommandLine commandLine, @Nullable CachedLaunch cache,
		int processors, int maxWorkers, List<ServedPort> ports, Map<String, String> workerEnvironment,
		Map<String, String> logging, Path directory, @Nullable Path logSocket, List<WorkerProcesses.Started> started,
		boolean socketsPassed, boolean replacedMaster) {

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
		.addMixIn(DataSize.class, DataSizeMixin.class)
		.build();

	MasterConfig(ForkerProperties properties, JavaCommandLine commandLine, @Nullable CachedLaunch cache, int processors,
			int maxWorkers, List<ServedPort> ports, Map<String, String> workerEnvironment, Map<String, String> logging,
			Path directory, @Nullable Path logSocket, List<WorkerProcesses.Started> started) {
		this(properties, commandLine, cache, processors, maxWorkers, ports, workerEnvironment, logging, directory,
				logSocket, started, false, false);
	}

	/**
	 * Return this configuration with the workers started for the master.
	 * @param started the workers
	 * @return the configuration
	 */
	MasterConfig withStarted(List<WorkerProcesses.Started> started) {
		return new MasterConfig(this.properties, this.commandLine, this.cache, this.processors, this.maxWorkers,
				this.ports, this.workerEnvironment, this.logging, this.directory, this.logSocket, List.copyOf(started),
				this.socketsPassed, this.replacedMaster);
	}

	String toJson() {
		return mapper.writeValueAsString(this);
	}

	static MasterConfig fromJson(String json) {
		return mapper.readValue(json, MasterConfig.class);
	}

	/**
	 * Return the server port.
	 * @return the port
	 */
	int serverPort() {
		return this.ports.stream()
			.filter((port) -> port.property().equals(PlannedPort.SERVER_PORT))
			.findFirst()
			.map(ServedPort::port)
			.orElseThrow();
	}

	/**
	 * Reads a {@link DataSize} back from its only field.
	 */
	abstract static class DataSizeMixin {

		@JsonCreator
		static DataSize ofBytes(@JsonProperty("bytes") long bytes) {
			return DataSize.ofBytes(bytes);
		}

	}

}
