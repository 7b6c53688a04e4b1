package dev.forker.boot.launch;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.launch.StartupCache.CachedLaunch;
import dev.forker.boot.launch.StartupCache.JarFingerprint;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StartupCache} and how {@link WorkerCommand} uses it.
 */
class StartupCacheTests {

	@Test
	void createsTheCacheDirectoryPrivate(@TempDir Path directory) throws IOException {
		Path cache = directory.resolve("cache").resolve("forker");
		assertThat(StartupCache.privateDirectory(cache)).isTrue();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rwx------");
		assertThat(StartupCache.privateDirectory(cache)).isTrue();
	}

	@Test
	void refusesADirectoryOthersCanEnter(@TempDir Path directory) throws IOException {
		Path shared = Files.createDirectory(directory.resolve("shared"));
		Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
		assertThat(StartupCache.privateDirectory(shared)).isFalse();
		Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-x---"));
		assertThat(StartupCache.privateDirectory(shared)).isFalse();
	}

	@Test
	void refusesASymbolicLink(@TempDir Path directory) throws IOException {
		Path target = Files.createDirectory(directory.resolve("target"),
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		Path link = Files.createSymbolicLink(directory.resolve("link"), target);
		assertThat(StartupCache.privateDirectory(target)).isTrue();
		assertThat(StartupCache.privateDirectory(link)).isFalse();
	}

	@Test
	void needsAJarLaunch(@TempDir Path directory) {
		StartupCache cache = new StartupCache(directory.resolve("forker"), 17);
		JavaCommandLine classPath = JavaCommandLine.parse("/jdk/bin/java", List.of("-cp", "a.jar", "com.example.Main"));
		assertThat(cache.prepare(classPath, List.of(), List.of())).isNull();
		assertThat(directory.resolve("forker")).doesNotExist();
	}

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
	void prunesTheCachesOfEarlierVersionsOfTheSameJarOnly(@TempDir Path root) throws IOException {
		String origin = "/srv/app.jar\n/jdk\n25.0.3\naot";
		Path current = cacheDirectory(root, "0".repeat(32), origin);
		Path earlier = cacheDirectory(root, "1".repeat(32), origin);
		Files.createFile(root.resolve("1".repeat(32) + ".lock"));
		Path otherApplication = cacheDirectory(root, "2".repeat(32), "/srv/other.jar\n/jdk\n25.0.3\naot");
		Path otherJava = cacheDirectory(root, "3".repeat(32), "/srv/app.jar\n/jdk17\n17.0.15\ncds");
		Path withoutOrigin = Files.createDirectory(root.resolve("4".repeat(32)));
		Path notACache = cacheDirectory(root, "notes", origin);
		StartupCache.prune(root, "0".repeat(32), origin);
		assertThat(earlier).doesNotExist();
		assertThat(root.resolve("1".repeat(32) + ".lock")).doesNotExist();
		assertThat(current).isDirectory();
		assertThat(otherApplication).isDirectory();
		assertThat(otherJava).isDirectory();
		assertThat(withoutOrigin).isDirectory();
		assertThat(notACache).isDirectory();
	}

	@Test
	void leavesACacheThatIsBeingPreparedAlone(@TempDir Path root) throws IOException {
		String origin = "/srv/app.jar\n/jdk\n25.0.3\naot";
		Path earlier = cacheDirectory(root, "1".repeat(32), origin);
		try (FileChannel lockFile = FileChannel.open(root.resolve("1".repeat(32) + ".lock"), StandardOpenOption.CREATE,
				StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
			// Locked as a master preparing it holds the lock (here in this JVM, where
			// tryLock throws instead of failing)
			StartupCache.prune(root, "0".repeat(32), origin);
			assertThat(earlier).isDirectory();
		}
	}

	private static Path cacheDirectory(Path root, String key, String origin) throws IOException {
		Path directory = Files.createDirectories(root.resolve(key).resolve("app"));
		Files.writeString(directory.resolveSibling("origin"), origin);
		Files.writeString(directory.resolve("app.jar"), "extracted");
		return directory.getParent();
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
