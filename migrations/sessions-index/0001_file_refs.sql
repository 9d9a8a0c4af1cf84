CREATE TABLE `file_refs` (
	`sha256` text NOT NULL,
	`session_id` text NOT NULL,
	`message_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`sha256`, `session_id`, `message_id`)
);
--> statement-breakpoint
CREATE INDEX `file_refs_session` ON `file_refs` (`session_id`,`message_id`);