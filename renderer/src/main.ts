import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { connect } from './lib/client';
import { AppState } from './lib/state/app.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('Missing #app element');

const app = new AppState(connect());
mount(App, { target, props: { app } });
void app.start();
