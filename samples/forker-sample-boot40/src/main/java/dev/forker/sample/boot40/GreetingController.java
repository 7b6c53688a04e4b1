package dev.forker.sample.boot40;

import java.util.List;

import dev.forker.boot.Forker;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;

@Controller
class GreetingController {

	private static final long PID = ProcessHandle.current().pid();

	private final GreetingRepository greetings;

	GreetingController(GreetingRepository greetings) {
		this.greetings = greetings;
	}

	@GetMapping("/")
	String page(Model model) {
		model.addAttribute("worker", Forker.workerId().orElse(0));
		model.addAttribute("pid", PID);
		model.addAttribute("greetings", this.greetings.findAll());
		return "greetings";
	}

	@GetMapping("/worker")
	@ResponseBody
	WorkerInfo worker() {
		return new WorkerInfo(Forker.workerId().orElse(0), PID);
	}

	@GetMapping("/greetings")
	@ResponseBody
	List<String> greetings() {
		return this.greetings.findAll().stream().map(Greeting::getText).toList();
	}

	record WorkerInfo(int worker, long pid) {
	}

}
