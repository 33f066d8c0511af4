// Timers, alarms, reminders and calendar intents.
import { dflt, val, type Draw, type Intent } from './intent.ts';
import { dateSurface, durationSurface, hhmm, randomTime, timeSurface } from './surface.ts';

const LABELS = { train: ['pasta', 'eggs', 'laundry', 'tea', 'workout', 'pizza', 'nap', 'bread'], eval: ['rice', 'cookies', 'meditation', 'parking'] };

export const TIME_INTENTS: Intent[] = [
  {
    id: 'timer.start', tool: 'setTimer',
    templates: {
      train: ['set a timer for {dur}', 'start a {dur} timer', 'timer for {dur}', 'count down {dur}',
        'start a countdown of {dur}', 'set the {label} timer for {dur}', 'timer {dur} for {label}',
        'start a timer called {label} for {dur}', 'put a {label} timer on for {dur}', 'I need a timer for {dur}',
        'remind me in {dur} with a timer', 'set a timer, {dur}',
        'set the timer to {dur}', 'give me a timer for {dur}', '{dur} on the timer', 'I want a timer for {dur}',
        "I'd like a timer set for {dur}", 'time {dur} for me', 'run a timer for {dur}', 'put a timer on for {dur}',
        'count down from {dur}', 'alert me when {dur} has passed', 'set me a timer for {dur}', 'I need to time {dur}',
        'new timer: {dur}', 'timer on for {dur}', "I'm going to need a timer for {dur}", 'time me for {dur}',
        'start a timer that runs for {dur}', 'set up a timer for {dur}', 'set a timer for {dur} for the {label}',
        'start a {label} timer for {dur}', '{label} timer, {dur}', 'set the {label} timer to {dur}',
        'I want to time the {label} for {dur}', "I'd like the {label} timer set to {dur}", 'time the {label} for {dur}',
        'the {label} needs {dur}, start a timer', 'start timing the {label}: {dur}', 'timer labelled {label} for {dur}',
        'set a timer for {dur} and call it {label}', 'I need a {label} timer set to {dur}',
        'put {dur} on the clock for the {label}', 'count down {dur} for the {label}'],
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
        'stop every timer', 'turn off all my timers',
        'turn off the {label} timer', 'delete the {label} timer', 'cancel my {label} timer',
        "I'm done with the {label} timer, cancel it", 'I want to cancel the {label} timer',
        'no need for the {label} timer any more, cancel it', 'remove the timer for the {label}',
        'switch off the {label} timer', 'end the {label} timer', 'scrap the {label} timer', 'stop timing the {label}',
        'cancel every timer', 'stop all the timers', 'delete all my timers', 'turn off every timer',
        "I don't need any timers, cancel them all", 'I want all timers cancelled', 'kill all timers',
        'switch off all the timers', 'remove all timers', 'scrap all my timers', "I'd like to cancel all of my timers"],
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
        'alarm at {time} repeating on {days}', 'set a recurring alarm for {time} on {days}',
        'set my alarm for {time}', "I'd like to be woken at {time}", 'alarm {time}', "I'd like an alarm at {time}",
        'put an alarm on for {time}', 'set an alarm to go off at {time}', 'have the alarm go off at {time}',
        'new alarm at {time}', 'add an alarm for {time}', 'wake me at {time}', 'set the alarm clock for {time}',
        'I want an alarm at {time}', 'set an alarm for {time} labelled {label}', 'set a {label} alarm at {time}',
        'create a {label} alarm for {time}', 'add an alarm called {label} for {time}', '{label} alarm at {time}',
        'I want a {label} alarm for {time}', "I'd like a {label} alarm at {time}",
        'set an alarm at {time} and label it {label}', 'wake me up at {time}, label it {label}',
        'new alarm, {time}, label {label}', 'set an alarm at {time} on {days}', 'wake me up at {time} on {days}',
        'on {days} wake me at {time}', "I'd like to be woken at {time} on {days}",
        'I want an alarm at {time} on {days}', 'create a repeating alarm at {time} on {days}',
        'alarm for {time}, repeat on {days}', "I'd like an alarm at {time} that repeats on {days}",
        'add a recurring alarm on {days} at {time}'],
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
        'set a reminder for {date} at {time} to {task}', 'create a reminder to {task}, {date} at {time}',
        "I'd like to be reminded at {time} to {task}", 'set me a reminder for {time} to {task}',
        "I'd like a reminder to {task} at {time}", 'add a reminder: {task} at {time}', 'at {time}, tell me to {task}',
        'reminder to {task} at {time}', 'create a reminder for {time}: {task}',
        'I want to be reminded to {task} at {time}', 'I need to {task} at {time}, so set a reminder',
        'give me a shout at {time} to {task}', 'alert me at {time} to {task}', 'new reminder: {task} at {time}',
        'remind me on {date} at {time} to {task}', 'remind me to {task} at {time} on {date}',
        "I'd like a reminder on {date} at {time} to {task}", 'add a reminder for {date} at {time}: {task}',
        'set a reminder to {task} at {time} on {date}', 'I want to be reminded on {date} at {time} to {task}',
        'I need to {task} on {date} at {time}, so set a reminder', 'reminder on {date} at {time}: {task}',
        'alert me on {date} at {time} to {task}', 'give me a reminder on {date} at {time} to {task}'],
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
        'new calendar event: {title}, {date}, {time}',
        'put {title} on my calendar for {date} at {time}', 'I want to add {title} to my calendar on {date} at {time}',
        'set up {title} on {date} at {time}', "I'd like to schedule {title} for {date} at {time}",
        'on {date} at {time}, add {title} to my calendar', 'create a calendar entry for {title} on {date} at {time}',
        'add an event called {title} on {date} at {time}', 'book {title} on {date} at {time}',
        'pencil in {title} for {date} at {time}', 'schedule an event, {title}, for {date} at {time}',
        'I want {title} in my diary on {date} at {time}', 'put {title} in my diary for {date} at {time}',
        'add {title} to my calendar on {date} at {time} for {mins} minutes',
        'book {title} on {date} at {time}, it runs for {mins} minutes',
        'schedule a {mins} minute {title} on {date} at {time}',
        "I'd like to book {title} for {mins} minutes on {date} at {time}",
        'create a {mins}-minute event {title} on {date} at {time}',
        'put {title} in the calendar on {date} at {time} for {mins} minutes',
        'I want to schedule {title} for {mins} minutes on {date} at {time}',
        'schedule {title} on {date} at {time} with {who}', 'add {title} with {who} to my calendar on {date} at {time}',
        'set up {title} with {who} for {date} at {time}', 'book {title} with {who} on {date} at {time}',
        "I'd like {title} with {who} on my calendar for {date} at {time}",
        'create an event {title} on {date} at {time} and include {who}'],
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
        'list my appointments on {date}', 'check my schedule for {date}',
        "what's on my schedule for {date}", 'what does my calendar look like on {date}',
        'show me my calendar for {date}', 'I want to check my calendar for {date}',
        'tell me if I have any meetings on {date}', "what's happening on {date}",
        'list everything on my calendar for {date}', 'read me my events for {date}',
        "I'd like to see my schedule for {date}", 'pull up my agenda for {date}',
        'what appointments do I have on {date}', 'events on {date}', 'give me my schedule for {date}',
        "what's in my diary on {date}"],
      eval: ['am I busy on {date}', 'anything planned for {date}'],
    },
    draw(_p, rng): Draw {
      const d = dateSurface(rng);
      return { slots: { date: d.text }, args: { date: val(d.iso) } };
    },
  },
];
