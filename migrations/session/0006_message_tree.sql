DROP INDEX `messages_id_unique`;--> statement-breakpoint
DROP INDEX `messages_live`;--> statement-breakpoint
ALTER TABLE `messages` ADD `parent_seq` integer;--> statement-breakpoint
CREATE INDEX `messages_id` ON `messages` (`id`);--> statement-breakpoint
CREATE INDEX `messages_parent` ON `messages` (`parent_seq`,`seq`);--> statement-breakpoint
ALTER TABLE `session_meta` ADD `head_seq` integer;