// Timers, alarms, reminders and calendar intents.
import { dflt, val, type Draw, type Intent } from './intent.ts';
import { dateSurface, durationSurface, hhmm, randomTime, timeSurface } from './surface.ts';

const LABELS = { train: ['pasta', 'eggs', 'laundry', 'tea', 'workout', 'pizza', 'nap', 'bread'], eval: ['rice', 'cookies', 'meditation', 'parking'] };

export const TIME_INTENTS: Intent[] = [
  {
    id: 'timer.start', tool: 'setTimer',
    templates: {
      train: ['set a timer for {dur}', 'start a {dur} timer', 'timer for {dur}', 'count down {dur}',
        'start a countdown of {dur}', 'set a {dur} timer for the {label}', 'timer {dur} for {label}',
        'start a timer called {label} for {dur}', 'put a {label} timer on for {dur}', 'I need a timer for {dur}',
        'remind me in {dur} with a timer', 'set a timer, {dur}'],
      eval: ['could I get a {dur} countdown going', 'ping me after {dur}, use a timer',
        'make a {label} timer lasting {dur}', 'begin a {dur} timer named {label}'],
    },
    draw(p, rng): Draw {
      const d = durationSurface(rng);
      if (rng.chance(0.35)) {
        const label = rng.pick(LABELS[p.split]);
        return { slots: { dur: d.text, label }, args: { duration_seconds: val(d.seconds), label: val(label) } };
      }
      return { slots: { dur: d.text }, args: { duration_seconds: val(d.seconds) } };
    },
  },
  {
    id: 'timer.cancel', tool: 'timer.cancel',
    templates: {
      train: ['cancel the {label} timer', 'stop the {label} timer', 'kill the timer for {label}', 'cancel all timers',
        'stop every timer', 'turn off all my timers'],
      eval: ['get rid of the {label} timer', 'clear all running timers'],
    },
    draw(p, rng): Draw {
      if (rng.chance(0.6)) {
        const label = rng.pick(LABELS[p.split]);
        return { slots: { label }, args: { label: val(label) } };
      }
      return { slots: {}, args: {} };
    },
  },
  {
    id: 'alarm.set', tool: 'alarm.create',
    templates: {
      train: ['set an alarm for {time}', 'wake me up at {time}', 'alarm at {time}', 'create an alarm for {time}',
        'I want to wake up at {time}', 'set an alarm at {time} called {label}', 'alarm for {time} labeled {label}',
        'set a {label} alarm for {time}', 'set an alarm for {time} on {days}', 'wake me at {time} on {days}',
        'alarm at {time} repeating on {days}', 'set a recurring alarm for {time} on {days}'],
      eval: ['get me up at {time}', 'I have to be awake by {time}, set an alarm', 'need an alarm named {label} at {time}',
        'schedule a wake-up at {time} for {days}', 'ring me at {time} on {days}'],
    },
    draw(p, rng): Draw {
      const [h, m] = randomTime(rng);
      const slots: Record<string, string> = { time: timeSurface(rng, h, m) };
      const args: Record<string, ReturnType<typeof val>> = { time: val(hhmm(h, m)) };
      const r = rng.next();
      if (r < 0.25) {
        const label = rng.pick(p.split === 'train' ? ['gym', 'work', 'school run', 'medication', 'flight'] : ['yoga', 'dog walk', 'shift']);
        slots.label = label; args.label = val(label);
      } else if (r < 0.5) {
        const choice = rng.pick<[string, string[]]>([
          ['weekdays', ['monday', 'tuesday', 'wednesday', 'thursday', 'friday']],
          ['weekends', ['saturday', 'sunday']],
          ['Monday and Wednesday', ['monday', 'wednesday']],
          ['Tuesday and Thursday', ['tuesday', 'thursday']],
          ['Friday', ['friday']],
          ['Sunday', ['sunday']],
          ['Monday, Wednesday and Friday', ['monday', 'wednesday', 'friday']],
        ]);
        slots.days = choice[0]; args.repeat_days = val(choice[1]);
      }
      return { slots, args };
    },
  },
  {
    id: 'reminder.create', tool: 'create_reminder',
    templates: {
      train: ['remind me to {task} at {time}', 'at {time} remind me to {task}', 'set a reminder to {task} at {time}',
        "don't let me forget to {task} at {time}", 'reminder at {time}: {task}', 'remind me at {time} to {task}',
        'remind me to {task} on {date} at {time}', 'on {date} at {time} remind me to {task}',
        'set a reminder for {date} at {time} to {task}', 'create a reminder to {task}, {date} at {time}'],
      eval: ['nudge me at {time} so I {task}', 'I need a reminder at {time} that I should {task}',
        'make sure I {task} on {date} at {time}', 'ping me on {date}, {time}, to {task}'],
    },
    draw(p, rng): Draw {
      const task = p.task();
      const [h, m] = randomTime(rng);
      const slots: Record<string, string> = { task, time: timeSurface(rng, h, m) };
      const args: Record<string, ReturnType<typeof val>> = { text: val(task), time: val(hhmm(h, m)) };
      if (rng.chance(0.4)) {
        const d = dateSurface(rng);
        slots.date = d.text; args.date = val(d.iso);
      }
      return { slots, args };
    },
  },
  {
    id: 'calendar.create', tool: 'calendar.createEvent',
    templates: {
      train: ['add {title} to my calendar on {date} at {time}', 'schedule {title} on {date} at {time}',
        'put {title} in the calendar for {date} at {time}', 'create an event {title} on {date} at {time}',
        'book {title} for {date} at {time} for {mins} minutes', 'schedule {title} on {date} at {time}, {mins} minutes long',
        'add {title} on {date} at {time} with {who}', 'schedule {title} with {who} on {date} at {time}',
        'new calendar event: {title}, {date}, {time}'],
      eval: ['block {date} at {time} for {title}', 'I have {title} on {date} starting {time}, add it',
        'calendar {title} on {date} from {time} lasting {mins} minutes', 'invite {who} to {title} on {date} at {time}'],
    },
    draw(p, rng): Draw {
      const title = p.event();
      const d = dateSurface(rng);
      const [h, m] = randomTime(rng);
      const slots: Record<string, string> = { title, date: d.text, time: timeSurface(rng, h, m) };
      const args: Record<string, ReturnType<typeof val>> = {
        title: val(title), date: val(d.iso), start_time: val(hhmm(h, m)), duration_minutes: dflt(60),
      };
      const r = rng.next();
      if (r < 0.3) {
        const mins = rng.pick([15, 30, 45, 90, 120]);
        slots.mins = String(mins); args.duration_minutes = val(mins);
      } else if (r < 0.55) {
        const names = [p.firstName(), p.firstName()].filter((n, i, a) => a.indexOf(n) === i).slice(0, rng.int(1, 2));
        slots.who = names.join(' and '); args.attendees = val(names);
      }
      return { slots, args };
    },
  },
  {
    id: 'calendar.list', tool: 'getCalendarEvents',
    templates: {
      train: ["what's on my calendar on {date}", 'show my events for {date}', 'what do I have on {date}',
        'list my appointments on {date}', 'check my schedule for {date}'],
      eval: ['am I busy on {date}', 'anything planned for {date}'],
    },
    draw(_p, rng): Draw {
      const d = dateSurface(rng);
      return { slots: { date: d.text }, args: { date: val(d.iso) } };
    },
  },
];
