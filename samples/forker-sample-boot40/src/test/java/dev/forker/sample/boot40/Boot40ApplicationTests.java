package dev.forker.sample.boot40;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With forker.enabled=true, a test still runs the application in this one JVM.
 */
@SpringBootTest
class Boot40ApplicationTests {

	@Autowired
	private GreetingRepository greetings;

	@Test
	void runsInTheTestJvmWithItsDatabase() {
		assertThat(this.greetings.count()).isEqualTo(3);
		assertThat(ProcessHandle.current().children()).isEmpty();
	}

}
