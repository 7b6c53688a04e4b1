package dev.forker.it.apps.classpath;

import dev.forker.boot.Forker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A web application started with {@code java -cp ... ClasspathApplication}, the way an
 * IDE or {@code spring-boot:run} starts one.
 */
@SpringBootApplication
@RestController
public class ClasspathApplication {

	@GetMapping("/worker")
	WorkerInfo worker() {
		return new WorkerInfo(Forker.workerId().orElse(0), ProcessHandle.current().pid());
	}

	record WorkerInfo(int worker, long pid) {
	}

	public static void main(String[] args) {
		SpringApplication.run(ClasspathApplication.class, args);
	}

}
