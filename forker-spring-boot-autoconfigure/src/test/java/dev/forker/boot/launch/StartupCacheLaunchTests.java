package dev.forker.boot.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.startup.CachedLaunch;
import dev.forker.boot.startup.JarFingerprint;
import dev.forker.boot.startup.JavaCommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for how {@link WorkerCommand} and {@link MasterConfig} use the startup cache.
 */
class StartupCacheLaunchTests {

	@Test
	void workersStartFromTheNewJarOnceTheApplicationJarChanged(@TempDir Path directory) throws IOException {
		Path jar = Files.writeString(directory.resolve("app.jar"), "version 1");
		JavaCommandLine launch = JavaCommandLine.parse("/jdk/bin/java",
				List.of("-Xmx1g", "-jar", jar.toString(), "--server.port=9000"));
		JavaCommandLine cached = JavaCommandLine.parse("/jdk/bin/java",
				List.of("-XX:SharedArchiveFile=/c/app.jsa", "-Xmx1g", "-jar", "/c/app/app.jar", "--server.port=9000"));
		CachedLaunch cache = new CachedLaunch(cached, jar.toString(), JarFingerprint.of(jar));
		WorkerCommand command = new WorkerCommand(launch, cache, List.of(), false, 2, Map.of());
		assertThat(command.command(2)).contains("-XX:SharedArchiveFile=/c/app.jsa", "/c/app/app.jar");
		Path next = Files.writeString(directory.resolve("app.jar.new"), "version 2, longer");
		Files.move(next, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		assertThat(command.command(2)).doesNotContain("-XX:SharedArchiveFile=/c/app.jsa", "/c/app/app.jar")
			.contains(jar.toString());
		Files.writeString(directory.resolve("app.jar.new"), "version 1");
		Files.move(directory.resolve("app.jar.new"), jar, StandardCopyOption.REPLACE_EXISTING);
		assertThat(command.command(2)).as("once outdated, the cache stays unused").contains(jar.toString());
	}

	@Test
	void startupCacheTravelsToTheLightweightMaster(@TempDir Path directory) throws IOException {
		Path jar = Files.writeString(directory.resolve("app.jar"), "version 1");
		ForkerProperties properties = new ForkerProperties();
		properties.getWorker().getClassDataSharing().setEnabled(true);
		properties.getWorker().getClassDataSharing().setDirectory(directory.resolve("cache"));
		JavaCommandLine launch = JavaCommandLine.parse("/jdk/bin/java", List.of("-jar", jar.toString()));
		JavaCommandLine cached = JavaCommandLine.parse("/jdk/bin/java",
				List.of("-XX:AOTCache=/c/app.aot", "-jar", "/c/app/app.jar"));
		CachedLaunch cache = new CachedLaunch(cached, jar.toString(), JarFingerprint.of(jar));
		MasterConfig config = new MasterConfig(properties, launch, cache, 2, 32, List.of(), Map.of(), Map.of(),
				directory, null, List.of());
		MasterConfig copy = MasterConfig.fromJson(config.toJson());
		assertThat(copy.cache()).isEqualTo(cache);
		assertThat(copy.cache().isCurrent()).isTrue();
		assertThat(copy.properties().getWorker().getClassDataSharing().isEnabled()).isTrue();
		assertThat(copy.properties().getWorker().getClassDataSharing().getDirectory())
			.isEqualTo(directory.resolve("cache"));
	}

}
