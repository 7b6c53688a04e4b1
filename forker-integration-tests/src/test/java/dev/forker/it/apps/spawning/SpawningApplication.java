package dev.forker.it.apps.spawning;

import java.io.IOException;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A web application whose workers start processes of their own: a child that lives as
 * long as it is left alone, and an orphan whose parent exits at once.
 */
@SpringBootApplication
@RestController
public class SpawningApplication {

	public static void main(String[] args) {
		SpringApplication.run(SpawningApplication.class, args);
	}

	@GetMapping("/child")
	Map<String, Long> child() throws IOException {
		Process child = new ProcessBuilder("sleep", "600").start();
		return Map.of("worker", ProcessHandle.current().pid(), "child", child.pid());
	}

	@GetMapping("/orphan")
	Map<String, Long> orphan() throws IOException, InterruptedException {
		// The shell exits at once; its child lives on, adopted by pid 1
		Process shell = new ProcessBuilder("sh", "-c", "sleep 1 & echo $!").start();
		long orphan = Long.parseLong(new String(shell.getInputStream().readAllBytes()).trim());
		shell.waitFor();
		return Map.of("worker", ProcessHandle.current().pid(), "orphan", orphan);
	}

}
